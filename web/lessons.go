package web

import (
	"fmt"
	"strconv"
	"strings"

	"convscope/web/lessons"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// Lessons is the teaching panel beside the layer table (issue 8): one tab
// per idea behind the classic architectures, each a short text and a
// figure computed from the model that is loaded and from its activations
// on the user's image. It reads the page's state through Root and keeps
// only its own choices (tab, layer, channel, slider values) and the
// figures it made.
//
// Answers the worker takes time to give (maps, heatmaps, a kernel's slide,
// the training records) are fetched lazily, when a tab that shows them is
// open, keyed by what they depend on (the run, the model, the choice), so
// a new image or a new choice fetches again and a stale answer is dropped.
type Lessons struct {
	Root *Root

	Tab string // the open lesson (a LessonTab ID)

	// Lesson choices.
	CostMeasure    string // "params", "macs", "bytes", "ms"
	ConvLayer      string
	ConvOut        int
	ConvIn         int // -1: the input channel that varies most
	DropLayer      string
	DropChannel    int // -1: the channel that varies most
	DropP          float64
	DropSeed       uint64
	FieldLayer     string
	FieldY, FieldX int
	InceptionBlock string
	ResidualBlock  string
	ExplainClass   int    // index into the labels; -1 = the top-1 class
	Int8Mode       string // whose top-5 the int8 lesson shows: ModeInt8 ("" too) or ModeFloat32

	ee    vugu.EventEnv
	async map[string]*asyncValue
	figs  map[string]figure

	// The receptive fields of fieldsFor (computed once per model).
	fieldsFor *protocol.Loaded
	fieldMap  map[string]lessons.Field
	fieldErr  error

	// The inception modules of incFor (computed once per model).
	incFor  *protocol.Loaded
	incList []lessons.Inception

	// The layer costs of costsFor and costsRes (costs): the cost lesson
	// asks for them some ten times a render, each a new graph of the model.
	costsFor  *protocol.Loaded
	costsRes  *protocol.Result
	costsList []lessons.Cost

	// The occlusion map in flight: its last progress report, and the
	// number of times the user asked again after stopping one (part of
	// the heatmap's key, so asking again fetches again).
	occlusion  occlusionProgress
	explainTry int
}

// LessonTab is one lesson of the panel.
type LessonTab struct {
	ID    string
	Title string
}

// LessonTabs lists the lessons in teaching order.
var LessonTabs = []LessonTab{
	{"cost", "Cost per layer"},
	{"conv", "Convolution"},
	{"relu", "ReLU vs sigmoid"},
	{"dropout", "Dropout"},
	{"stacked", "Stacked 3x3"},
	{"inception", "Inception"},
	{"heads", "GAP vs FC heads"},
	{"residual", "Residual"},
	{"explain", "Where it looks"},
	{"int8", "What int8 costs"},
}

// asyncValue is one answer fetched for a lesson: key says what it was
// fetched for.
type asyncValue struct {
	key  string
	busy bool
	val  any
	err  error
}

// figure is a blob: URL made for one lesson figure, with the key of what
// it shows.
type figure struct {
	key string
	url string
}

// Init picks the first lesson and the defaults of the controls.
func (c *Lessons) Init(ctx vugu.InitCtx) {
	c.Tab = LessonTabs[0].ID
	c.CostMeasure = "params"
	c.DropP = 0.5
	c.DropChannel = -1
	c.DropSeed = 1
	c.ExplainClass = -1
	c.FieldY, c.FieldX = -1, -1
	c.ConvIn = -1
	c.async = map[string]*asyncValue{}
	c.figs = map[string]figure{}
}

// Compute keeps the event environment the lazy fetches need.
func (c *Lessons) Compute(ctx vugu.ComputeCtx) { c.ee = ctx.EventEnv() }

// Destroy frees the figures' blob: URLs.
func (c *Lessons) Destroy(ctx vugu.DestroyCtx) {
	for k, f := range c.figs {
		if c.Root != nil && c.Root.Host != nil && f.url != "" {
			c.Root.Host.Revoke(f.url)
		}
		delete(c.figs, k)
	}
}

// SetTab is the click on a lesson's tab.
func (c *Lessons) SetTab(event vugu.DOMEvent, id string) { c.Tab = id }

// TabState is aria-selected of a tab.
func (c *Lessons) TabState(id string) string { return UseState(c.Tab == id) }

// info and result are the loaded model and the last run on it (nil before).
func (c *Lessons) info() *protocol.Loaded {
	if c.Root == nil {
		return nil
	}
	return c.Root.Info
}

func (c *Lessons) result() *protocol.Result {
	if c.Root == nil || c.Root.Info == nil || c.Root.Result == nil || c.Root.Result.Model != c.Root.Info.Name {
		return nil
	}
	return c.Root.Result
}

// Title is the panel's heading.
func (c *Lessons) Title() string {
	if l := c.info(); l != nil {
		return "Lessons on " + l.Name
	}
	return "Lessons"
}

// NeedsImage is the note shown where a lesson needs a run.
const NeedsImage = "Classify an image (or pick a sample) first: this figure is computed from the activations on it."

// runKey identifies the current run, for the keys of figures and fetches
// that depend on activations.
func (c *Lessons) runKey() string {
	if c.result() == nil {
		return ""
	}
	return fmt.Sprintf("%s#%d", c.info().Name, c.Root.Runs)
}

// fetch returns the answer for slot if it was fetched for key, starting
// the fetch when it was not. It returns (nil, nil, true) while busy. An
// empty key means "nothing to fetch" and returns nothing.
func (c *Lessons) fetch(slot, key string, get func() (any, error)) (val any, err error, busy bool) {
	if key == "" {
		return nil, nil, false
	}
	a := c.async[slot]
	if a != nil && a.key == key {
		return a.val, a.err, a.busy
	}
	if c.ee == nil {
		return nil, nil, true
	}
	a = &asyncValue{key: key, busy: true}
	c.async[slot] = a
	ee := c.ee
	go func() {
		v, err := get()
		ee.Lock()
		defer ee.UnlockRender()
		if c.async[slot] != a {
			return // superseded
		}
		a.val, a.err, a.busy = v, err, false
	}()
	return nil, nil, true
}

// figureURL returns the blob: URL of a figure, making it when what it
// shows (key) changed since the last one; the old URL is revoked. make
// returns the bytes (nil: no figure, "" URL).
func (c *Lessons) figureURL(slot, key, mime string, make func() []byte) string {
	if c.Root == nil || c.Root.Host == nil {
		return ""
	}
	if f, ok := c.figs[slot]; ok && f.key == key {
		return f.url
	}
	if f, ok := c.figs[slot]; ok && f.url != "" {
		c.Root.Host.Revoke(f.url)
	}
	url := ""
	if data := make(); len(data) > 0 {
		url = c.Root.Host.ObjectURL(data, mime)
	}
	c.figs[slot] = figure{key: key, url: url}
	return url
}

// svgURL and pngURL are figureURL for the two kinds of figure.
func (c *Lessons) svgURL(slot, key string, make func() string) string {
	return c.figureURL(slot, key, "image/svg+xml", func() []byte { return []byte(make()) })
}

func (c *Lessons) pngURL(slot, key string, make func() []byte) string {
	return c.figureURL(slot, key, "image/png", make)
}

// layersOfKind lists the layers of one kind that have maps to show.
func (c *Lessons) layersOfKind(kind string) []protocol.LayerInfo {
	var out []protocol.LayerInfo
	if l := c.info(); l != nil {
		for _, li := range l.Layers {
			if li.Kind == kind {
				out = append(out, li)
			}
		}
	}
	return out
}

// layer returns the loaded model's layer called name.
func (c *Lessons) layer(name string) (protocol.LayerInfo, bool) {
	if l := c.info(); l != nil {
		for _, li := range l.Layers {
			if li.Name == name {
				return li, true
			}
		}
	}
	return protocol.LayerInfo{}, false
}

// chosen returns the first of layers named by one of names, tried in
// order (the user's choice, then the layer shown in the viewer).
func chosen(layers []protocol.LayerInfo, names ...string) (protocol.LayerInfo, bool) {
	for _, name := range names {
		for _, li := range layers {
			if name != "" && li.Name == name {
				return li, true
			}
		}
	}
	return protocol.LayerInfo{}, false
}

// modelWith returns a model of the list whose architecture has what a
// lesson needs (e.g. "googlenet" for inception modules), preferring one
// that can be used at once.
func (c *Lessons) modelWith(match func(ModelEntry) bool) (ModelEntry, bool) {
	if c.Root == nil {
		return ModelEntry{}, false
	}
	var found *ModelEntry
	for i, m := range c.Root.Models {
		if !match(m) {
			continue
		}
		if m.Available && m.URL != "" {
			return m, true
		}
		if found == nil {
			found = &c.Root.Models[i]
		}
	}
	if found != nil {
		return *found, true
	}
	return ModelEntry{}, false
}

// UseOther loads a model that has what a lesson needs.
func (c *Lessons) UseOther(event vugu.DOMEvent, m ModelEntry) {
	c.Root.useModel(event.EventEnv(), m)
}

// Itoa is strconv.Itoa for the markup.
func Itoa(i int) string { return strconv.Itoa(i) }

// OtherModel is a model of the list whose name contains arch (e.g.
// "googlenet"): the one to point to when a lesson does not apply to the
// loaded model.
func (c *Lessons) OtherModel(arch string) ModelEntry {
	m, _ := c.modelWith(func(m ModelEntry) bool {
		return strings.Contains(m.Name, arch) || strings.Contains(m.Arch, arch)
	})
	return m
}

// MissingText says that the loaded model has no such part, and which
// model of the list has.
func (c *Lessons) MissingText(what, arch string) string {
	name := "this model"
	if l := c.info(); l != nil {
		name = l.Name
	}
	m := c.OtherModel(arch)
	switch {
	case m.Name == "":
		return fmt.Sprintf("%s has no %s, and no model of the list has.", name, what)
	case m.Available && m.URL != "":
		return fmt.Sprintf("%s has no %s. %s has: load it to see them.", name, what, m.Name)
	}
	return fmt.Sprintf("%s has no %s. %s has: fetch it first (go run . fetch %s).", name, what, m.Name, m.Name)
}
