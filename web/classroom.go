package web

import (
	"fmt"
	"strings"

	"github.com/vugu/vugu"
)

// ClassroomHost is what the Classroom panel needs from the browser beyond
// Host: the URL fragment, full screen, PNG export and the viewer's
// enlarged map. wasm/app implements it; without it (a test host) the panel
// says that these tools are not available instead of failing.
type ClassroomHost interface {
	// Fragment returns the page URL's fragment (without "#").
	Fragment() string
	// SetFragment replaces the fragment without adding a history entry and
	// returns the page's full URL.
	SetFragment(fragment string) string
	// Present turns the presentation view on or off: a class on <html>
	// (large type) and, where the browser allows it, full screen. left is
	// called, without the render lock, when the user leaves full screen
	// with the browser's own controls (Escape).
	Present(on bool, left func())
	// Figures lists the figures on the page that ExportFigure can save:
	// SVG charts and the lessons' images, each with an id.
	Figures() []Figure
	// ExportFigure draws the figure with that id (an <svg>, an <img>, or
	// an element holding one) on a canvas and downloads it as a PNG;
	// ExportViewer downloads what the feature-map viewer shows. They block
	// until the file is made.
	ExportFigure(id, filename string) (Export, error)
	ExportViewer(filename string) (Export, error)
	// SelectChannel enlarges a map in the viewer (-1: back to the grid).
	SelectChannel(channel int)
}

// Figure is one figure of the page that can be saved.
type Figure struct {
	ID    string
	Title string // its accessible name (the chart's title, the image's alt)
}

// Export describes a PNG the page made for download.
type Export struct {
	Name  string
	W, H  int
	Bytes int
}

// Classroom is lesson 13: a link that restores the sample image, the
// model, the layer and the enlarged channel; a presentation view with large
// type; and PNG export of the charts and of the feature maps.
type Classroom struct {
	Root *Root

	ee      vugu.EventEnv
	host    ClassroomHost // nil when the Host has no classroom tools
	restore *linkRestore  // the link being restored, step by step

	Notes      []string // what the link restored, and what it could not
	ShareURL   string   // the link made by "Make a link"
	Presenting bool
	Figures    []Figure // the page's figures as of the last render
	Figure     string   // the figure chosen for "Save as PNG" ("viewer": the maps)
}

// linkRestore is a link being applied: each stage starts an action of the
// page (load the model, classify the sample, show the layer) and the next
// stage waits for the page's state to show it finished. Stages advance in
// BeforeBuild, which runs after each change of state.
type linkRestore struct {
	link    Link
	stage   int
	runs    int // Root.Runs when the sample was asked for
	channel int // the checked channel to enlarge (-1: none)
	done    []string
}

const (
	stageList = iota
	stageModel
	stageSample
	stageMaps
	stageDone
)

// Init reads the link in the URL's fragment, if any.
func (c *Classroom) Init(ctx vugu.InitCtx) {
	c.ee = ctx.EventEnv()
	if c.Root == nil {
		return
	}
	c.host, _ = c.Root.Host.(ClassroomHost)
	if c.host == nil {
		return
	}
	l, problems, ok := ParseLink(c.host.Fragment())
	c.Notes = append(c.Notes, problems...)
	if ok {
		c.restore = &linkRestore{link: l, channel: -1}
	}
}

// Tools reports whether the browser side of the panel is there.
func (c *Classroom) Tools() bool { return c.host != nil }

// BeforeBuild moves the link's restore along and lists the page's figures
// (as the last render left them: a figure that just appeared is listed at
// the next render).
func (c *Classroom) BeforeBuild() {
	if c.Root == nil {
		return
	}
	if c.restore != nil {
		c.step()
	}
	if c.host != nil {
		c.Figures = c.host.Figures()
	}
}

// do runs f with the render lock, after this build: BeforeBuild must not
// change the page's state while the page is being built.
func (c *Classroom) do(f func()) {
	go func() {
		c.ee.Lock()
		defer c.ee.UnlockRender()
		f()
	}()
}

func (c *Classroom) finish(note string) {
	r := c.restore
	if note != "" {
		c.Notes = append(c.Notes, note)
	}
	if len(r.done) > 0 {
		c.Notes = append(c.Notes, "Restored from the link: "+strings.Join(r.done, ", ")+".")
	}
	r.stage = stageDone
	c.restore = nil
}

func (c *Classroom) step() {
	r, root := c.restore, c.Root
	switch r.stage {
	case stageList:
		if root.Loading {
			return
		}
		if root.Err != "" {
			c.finish("The link cannot be restored: " + root.Err)
			return
		}
		if r.link.Model != "" {
			m, problem := linkModel(root.Models, r.link.Model)
			if problem != "" {
				c.Notes = append(c.Notes, problem)
				r.link.Model = ""
			} else if root.Selected != m.Name {
				c.do(func() { root.useModel(c.ee, m) })
			}
		}
		r.stage = stageModel
	case stageModel:
		if root.ModelBusy || root.Info == nil || root.Current != root.Selected {
			if !root.ModelBusy && root.Selected == "" {
				c.finish("The link cannot be restored: no model could be loaded.")
			}
			return
		}
		if r.link.Model != "" {
			if root.Current != r.link.Model {
				c.finish(fmt.Sprintf("The link's model %s could not be loaded.", r.link.Model))
				return
			}
			r.done = append(r.done, "model "+r.link.Model)
		}
		if r.link.Sample == "" {
			if r.link.Layer != "" {
				c.finish("The link names a layer but no sample image: its maps need an image.")
				return
			}
			c.finish("")
			return
		}
		s, problem := linkSample(datasetOf(root), r.link.Sample)
		if problem != "" {
			c.finish(problem)
			return
		}
		r.runs = root.Runs
		c.do(func() {
			root.Alert, root.Notice = "", ""
			root.readAndRun(c.ee, s.Name, func() ([]byte, error) { return root.Host.Fetch(s.URL) })
		})
		r.stage = stageSample
	case stageSample:
		if root.Reading || root.Running || root.ModelBusy {
			return
		}
		if root.Runs <= r.runs {
			if root.Alert != "" {
				c.finish(fmt.Sprintf("The link's sample %s could not be classified.", r.link.Sample))
			}
			return
		}
		r.done = append(r.done, "sample "+r.link.Sample)
		if r.link.Layer == "" {
			c.finish("")
			return
		}
		ok, chOK, problem := linkLayer(root.Info, r.link.Layer, r.link.Channel)
		if problem != "" {
			c.Notes = append(c.Notes, problem)
		}
		if !ok {
			c.finish("")
			return
		}
		if chOK {
			r.channel = r.link.Channel
		}
		layer := r.link.Layer
		c.do(func() { root.showLayer(c.ee, layer) })
		r.stage = stageMaps
	case stageMaps:
		if root.Layer != r.link.Layer {
			c.finish("") // the user chose something else meanwhile
			return
		}
		if !strings.HasPrefix(root.LayerNote, r.link.Layer+":") {
			if root.Alert != "" {
				c.finish("")
			}
			return // the maps are still being computed
		}
		r.done = append(r.done, "layer "+r.link.Layer)
		if r.channel >= 0 {
			c.host.SelectChannel(r.channel)
			root.Lab.Channel, root.Lab.ChannelLayer, root.Lab.Enlarged = r.channel, root.Layer, true
			r.done = append(r.done, fmt.Sprintf("channel %d", r.channel))
		}
		c.finish("")
	}
}

// datasetOf is the chosen model's dataset (CIFAR-10 when unknown, like the
// sample gallery).
func datasetOf(root *Root) string {
	for _, m := range root.Models {
		if m.Name == root.Selected && m.Dataset != "" {
			return m.Dataset
		}
	}
	return "cifar10"
}

// CurrentLink is the link to what the page shows now: the model, the
// sample (when the image is one), the layer and the enlarged channel.
func (c *Classroom) CurrentLink() Link {
	root := c.Root
	l := Link{Model: root.Selected, Channel: -1}
	if root.HasImage {
		if _, problem := linkSample(datasetOf(root), root.ImageName); problem == "" {
			l.Sample = root.ImageName
		}
	}
	if l.Sample != "" {
		l.Layer = root.Layer
		if ch, ok := root.SelectedChannel(); ok {
			l.Channel = ch
		}
	}
	return l
}

// LinkText describes what a link made now would restore.
func (c *Classroom) LinkText() string {
	l := c.CurrentLink()
	if l.Model == "" {
		return "Choose a model first."
	}
	parts := []string{"model " + l.Model}
	if l.Sample == "" {
		parts = append(parts, "no sample image (pick one of the samples: your own images never leave this page)")
	} else {
		parts = append(parts, "sample "+l.Sample)
	}
	if l.Layer != "" {
		parts = append(parts, "layer "+l.Layer)
	}
	if l.Channel >= 0 {
		parts = append(parts, fmt.Sprintf("channel %d", l.Channel))
	}
	return "A link now restores: " + strings.Join(parts, ", ") + "."
}

// MakeLink is the click on "Make a link": the fragment of the page's URL
// becomes the link, shown for copying.
func (c *Classroom) MakeLink(event vugu.DOMEvent) {
	if c.host == nil {
		return
	}
	c.ShareURL = c.host.SetFragment(c.CurrentLink().Fragment())
}

// Present is the click on "Presentation view".
func (c *Classroom) Present(event vugu.DOMEvent) {
	if c.host == nil {
		return
	}
	c.Presenting = !c.Presenting
	ee := event.EventEnv()
	c.host.Present(c.Presenting, func() {
		ee.Lock()
		defer ee.UnlockRender()
		c.Presenting = false
	})
}

// ExportMaps is the click on "Save the maps as PNG".
func (c *Classroom) ExportMaps(event vugu.DOMEvent) {
	root := c.Root
	name := "filters.png"
	if root.Layer != "" {
		name = "maps-" + root.Layer + ".png"
		if ch, ok := root.SelectedChannel(); ok {
			name = fmt.Sprintf("maps-%s-channel%d.png", root.Layer, ch)
		}
	}
	root.export(event.EventEnv(), "viewer", name, func(h ClassroomHost) (Export, error) { return h.ExportViewer(name) })
}

// SetFigure is the change of the figure list.
func (c *Classroom) SetFigure(event vugu.DOMEvent) {
	c.Figure = event.PropString("target", "value")
}

// ChosenFigure is the figure "Save as PNG" saves: the chosen one while it
// is on the page, else the first.
func (c *Classroom) ChosenFigure() (Figure, bool) {
	for _, f := range c.Figures {
		if f.ID == c.Figure {
			return f, true
		}
	}
	if len(c.Figures) > 0 {
		return c.Figures[0], true
	}
	return Figure{}, false
}

// ExportChosen is the click on the figure list's "Save as PNG".
func (c *Classroom) ExportChosen(event vugu.DOMEvent) {
	f, ok := c.ChosenFigure()
	if !ok {
		return
	}
	c.Figure = f.ID
	c.Root.export(event.EventEnv(), "figure", f.ID+".png", func(h ClassroomHost) (Export, error) { return h.ExportFigure(f.ID, f.ID+".png") })
}

// FigureLabel is a figure's entry in the list.
func FigureLabel(f Figure) string {
	if f.Title == "" {
		return f.ID
	}
	return f.Title
}

// CanExportMaps reports whether the viewer shows something.
func (c *Classroom) CanExportMaps() bool { return c.Root.Layer != "" || c.Root.Filters }

// ExportFigure saves the figure with that id (an SVG chart or an image, or
// an element holding one) as a PNG: a button's click handler calls it. The
// note under the button (ExportNote(id)) says what was saved.
func (c *Root) ExportFigure(event vugu.DOMEvent, id, filename string) {
	c.export(event.EventEnv(), id, filename, func(h ClassroomHost) (Export, error) { return h.ExportFigure(id, filename) })
}

func (c *Root) export(ee vugu.EventEnv, id, filename string, do func(ClassroomHost) (Export, error)) {
	h, ok := c.Host.(ClassroomHost)
	if c.Lab.exports == nil {
		c.Lab.exports = map[string]string{}
	}
	if !ok {
		c.Lab.exports[id] = "PNG export is not available here."
		return
	}
	c.Lab.exports[id] = "Making " + filename + "..."
	go func() {
		e, err := do(h)
		ee.Lock()
		defer ee.UnlockRender()
		if err != nil {
			c.Lab.exports[id] = fmt.Sprintf("Could not save %s: %v", filename, err)
			return
		}
		c.Lab.exports[id] = fmt.Sprintf("Saved %s: %dx%d pixels, %s.", e.Name, e.W, e.H, Bytes(int64(e.Bytes)))
	}()
}

// ExportNote is what the last export of element id did ("" before any).
func (c *Root) ExportNote(id string) string { return c.Lab.exports[id] }
