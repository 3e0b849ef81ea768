package web

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"slices"
	"strconv"
	"sync"
	"time"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// MaxImageBytes is the largest image file the page accepts: the engine's own
// limit (models/preprocess.MaxFileBytes). Checked on the file's size before
// it is read, so a huge file costs nothing.
const MaxImageBytes = 64 << 20

// UseModel is the click on a model's "Use" button.
func (c *Root) UseModel(event vugu.DOMEvent, m ModelEntry) {
	c.useModel(event.EventEnv(), m)
}

// useModel makes m the worker's model; a run or a download in flight is
// cancelled first. Once loaded, the current image runs again on it. The
// render lock is held.
func (c *Root) useModel(ee vugu.EventEnv, m ModelEntry) {
	if m.URL == "" {
		c.Alert = fmt.Sprintf("%s is not on the server yet: fetch it first (go run . fetch %s).", m.Name, m.Name)
		return
	}
	if m.Name == c.Selected && (c.ModelBusy || c.Current == m.Name) {
		return
	}
	if c.Running {
		c.Host.Cancel()
		c.Running = false
		c.runGen++
	}
	if c.ModelBusy {
		c.Host.CancelLoad()
	}
	c.loadGen++
	gen := c.loadGen
	prev := c.Info
	c.Selected, c.ModelBusy, c.DLLoaded, c.DLTotal, c.Info = m.Name, true, 0, m.Bytes, nil
	c.Alert, c.Notice, c.Layer, c.Filters, c.LayerNote, c.Hover = "", "", "", false, "", ""
	go func() {
		info, err := c.Host.Load(m, func(loaded, total int64) {
			ee.Lock()
			defer ee.UnlockOnly()
			if gen == c.loadGen {
				c.DLLoaded, c.DLTotal = loaded, total
				c.Host.ShowProgress("download", c.DownloadText(), float64(loaded), float64(total))
			}
		})
		ee.Lock()
		defer ee.UnlockRender()
		if gen != c.loadGen {
			return // another model was chosen meanwhile
		}
		c.ModelBusy = false
		if err != nil {
			// The worker keeps the model it had.
			c.Selected, c.Info = c.Current, prev
			if !isCancelled(err) {
				c.Alert = fmt.Sprintf("Could not load %s: %v", m.Name, err)
			}
			return
		}
		c.Current, c.Info = m.Name, info
		if c.HasImage {
			c.classify(ee, nil)
		}
	}()
}

// BusyDelay is how long a pick may take before the page renders its busy
// state (the "Reading the image..." line, the run's progress bar and its
// Cancel button). A render of the whole page takes 45-110 ms on the
// CIFAR-10 models (session 14's measurement): rendering the busy state at
// once delayed the file read behind one render and the worker's answer
// behind another, so a pick that answers sooner than this shows the top-5
// with one render and no busy state at all.
const BusyDelay = 100 * time.Millisecond

// UseFile classifies a file the user gave (picked, dropped or pasted). The
// render lock is held, and the caller releases it with UnlockOnly: UseFile
// asks for the renders it needs (an alert now, the busy state after
// BusyDelay, the result).
func (c *Root) UseFile(ee vugu.EventEnv, f *File) {
	if f == nil {
		return
	}
	c.Alert, c.Notice = "", ""
	switch {
	case f.Size == 0:
		c.Alert = fmt.Sprintf("%s is empty: choose an image file (JPEG, PNG, GIF, WebP or BMP).", f.Name)
		render(ee)
		return
	case f.Size > MaxImageBytes:
		c.Alert = fmt.Sprintf("%s is %s; images up to %s are accepted.", f.Name, Bytes(f.Size), Bytes(MaxImageBytes))
		render(ee)
		return
	}
	if f.Run != nil {
		c.runPosted(ee, f.Name, f.Run)
		return
	}
	c.readAndRun(ee, f.Name, f.Read)
}

// runPosted takes a file whose Classify the host posted already (File.Run)
// as readAndRun takes one once its bytes are read. The render lock is held
// and released by the caller without a render (see BusyDelay).
func (c *Root) runPosted(ee vugu.EventEnv, name string, run runFunc) {
	if c.Running {
		c.Host.Cancel()
		c.Running = false
	}
	c.Reading = false // an earlier pick's read: runGen drops it
	c.ImageName = name
	c.start(ee, run)
}

// PickSample classifies the sample image called name (the click on its
// button, taken by the host). The render lock is held, and the caller
// releases it with UnlockOnly, as for UseFile.
func (c *Root) PickSample(ee vugu.EventEnv, name string) {
	for _, s := range c.Samples() {
		if s.Name == name {
			c.Alert, c.Notice = "", ""
			c.readAndRun(ee, s.Name, func() ([]byte, error) { return c.Host.Fetch(s.URL) })
			return
		}
	}
}

// render asks for a render once the caller has released the render lock.
func render(ee vugu.EventEnv) {
	go func() {
		ee.Lock()
		ee.UnlockRender()
	}()
}

// busyLater renders the busy state if the pick or run numbered busyGen
// still goes on after BusyDelay. Until then the page shows the previous
// result; a cleared alert or notice goes with the first render too.
func (c *Root) busyLater(ee vugu.EventEnv) {
	c.busyGen++
	gen := c.busyGen
	time.AfterFunc(BusyDelay, func() {
		ee.Lock()
		if gen == c.busyGen && (c.Reading || c.Running) {
			ee.UnlockRender()
			return
		}
		ee.UnlockOnly()
	})
}

// readAndRun reads an image and classifies it. The render lock is held and
// released by the caller without a render (see BusyDelay).
func (c *Root) readAndRun(ee vugu.EventEnv, name string, read func() ([]byte, error)) {
	if c.Running {
		c.Host.Cancel()
		c.Running = false
	}
	c.Reading = true
	c.runGen++
	gen := c.runGen
	c.busyLater(ee)
	go func() {
		data, err := read()
		ee.Lock()
		if gen != c.runGen {
			ee.UnlockOnly()
			return
		}
		c.Reading = false
		if err != nil {
			c.Alert = fmt.Sprintf("Could not read %s: %v", name, err)
			ee.UnlockRender()
			return
		}
		if len(data) == 0 {
			c.Alert = fmt.Sprintf("%s is empty: choose an image file.", name)
			ee.UnlockRender()
			return
		}
		c.ImageName = name
		c.classify(ee, data)
		ee.UnlockOnly() // classify renders the busy state later, the result at once
	}()
}

// classify runs the current model on data, or on the last image when data
// is nil. A newer run makes this one's answers stale. The render lock is
// held.
func (c *Root) classify(ee vugu.EventEnv, data []byte) {
	c.start(ee, func(step func(protocol.LayerDone), _ func(protocol.Preview)) (*protocol.Result, error) {
		return c.Host.Classify(data, step)
	})
}

// runFunc is a Classify: Host.Classify, or File.Run.
type runFunc = func(step func(protocol.LayerDone), preview func(protocol.Preview)) (*protocol.Result, error)

// start waits for a run's answer (run: a Classify) in its own goroutine;
// a newer run makes this one's answers stale. The render lock is held.
func (c *Root) start(ee vugu.EventEnv, run runFunc) {
	if c.Running {
		c.Host.Cancel()
	}
	c.dropPreview()
	c.runGen++
	gen := c.runGen
	c.Running, c.Step, c.Alert, c.Notice = true, protocol.LayerDone{}, "", ""
	c.busyLater(ee)
	go func() {
		res, err := run(func(s protocol.LayerDone) {
			ee.Lock()
			defer ee.UnlockOnly()
			if gen == c.runGen {
				c.Step = s
				c.Host.ShowProgress("run", c.StepText(), float64(s.Index+1), float64(s.Total))
			}
		}, func(p protocol.Preview) {
			ee.Lock()
			defer ee.UnlockOnly()
			if gen == c.runGen {
				c.preview(p)
			}
		})
		ee.Lock()
		if gen != c.runGen {
			ee.UnlockOnly()
			return
		}
		if c.finish(ee, res, err) {
			// The answer is on the page already: the full render (the
			// layer table's times, data-runs) waits until the browser
			// has painted it.
			ee.UnlockOnly()
			c.Host.AfterPaint(func() { render(ee) })
			return
		}
		ee.UnlockRender()
	}()
}

// finish takes a run's answer. It reports whether the host wrote the top-5,
// the timing and the view into the page already (ShowResult), so that the
// full render may wait; otherwise the caller renders at once. The render
// lock is held.
func (c *Root) finish(ee vugu.EventEnv, res *protocol.Result, err error) bool {
	c.Running = false
	pv := c.previewed
	c.previewed = nil
	if err != nil {
		if pv != nil {
			c.Host.Revoke(pv.shown.ViewURL) // the render puts the old result back
		}
		if isCancelled(err) {
			c.Notice = "Cancelled."
			return false
		}
		if e, ok := err.(*Error); ok && e.Code == protocol.CodeImage {
			c.Alert = fmt.Sprintf("%s: %s", c.ImageName, e.Message)
			c.Result, c.ViewURL = nil, ""
			return false
		}
		c.Alert = "The run failed: " + err.Error()
		return false
	}
	// Shown at once only over a result already on the page (the same
	// elements, the new values), and with no alert, notice or download
	// that the render must show (the host hides those the pick cleared,
	// and the busy state, which the render removes).
	shown := c.Result != nil && c.Alert == "" && c.Notice == "" && !c.ModelBusy
	c.HasImage = true
	c.Result = res
	c.Runs++
	if c.ViewURL != "" {
		c.Host.Revoke(c.ViewURL)
	}
	if pv != nil && pv.view.W == res.View.W && pv.view.H == res.View.H && bytes.Equal(pv.view.RGBA, res.View.RGBA) {
		c.ViewURL = pv.shown.ViewURL
	} else {
		if pv != nil {
			c.Host.Revoke(pv.shown.ViewURL)
		}
		c.ViewURL = c.Host.ObjectURL(PNG(res.View), "image/png")
	}
	switch {
	case c.Filters:
		c.showFilters(ee)
	case c.Layer != "":
		c.showLayer(ee, c.Layer)
	}
	if !shown {
		return false
	}
	now := c.Shown()
	if pv != nil && pv.shown.equal(now) {
		return true // on the page already, from the Preview
	}
	return c.Host.ShowResult(now)
}

// previewed is a Preview shown before its Result: what ShowResult wrote,
// and the view it made the URL of.
type previewed struct {
	shown ShownResult
	view  protocol.Image
}

// preview shows a run's Preview before its Result, where finish would show
// that Result at once (over a result on the page, with no alert, notice or
// download), exactly as finish will: the Result's run number, timing line,
// caption and view. The busy state is not rendered any more: the answer is
// on the page. The render lock is held.
func (c *Root) preview(p protocol.Preview) {
	c.dropPreview()
	if c.Result == nil || c.Alert != "" || c.Notice != "" || c.ModelBusy {
		return
	}
	pv := &previewed{view: p.View, shown: ShownResult{
		Run:     strconv.Itoa(c.Runs + 1),
		Timing:  timingText(p.Model, p.Ms, p.RunMs, p.Workers, p.Layers),
		Caption: viewCaption(c.ImageName, p.Model, p.View),
		ViewURL: c.Host.ObjectURL(PNG(p.View), "image/png"),
		Top:     shownTop(p.Top),
	}}
	if !c.Host.ShowResult(pv.shown) {
		c.Host.Revoke(pv.shown.ViewURL)
		return
	}
	c.previewed = pv
	c.busyGen++
}

// dropPreview forgets a Preview whose Result will not come (a newer run).
func (c *Root) dropPreview() {
	if c.previewed != nil {
		c.Host.Revoke(c.previewed.shown.ViewURL)
		c.previewed = nil
	}
}

func (a ShownResult) equal(b ShownResult) bool {
	return a.Run == b.Run && a.Timing == b.Timing && a.Caption == b.Caption && a.ViewURL == b.ViewURL && slices.Equal(a.Top, b.Top)
}

// ShownResult is what the page shows of a result first: the top-5, the
// timing line and the view with its caption, formatted exactly as
// root.vugu renders them, so that the host can write them into the
// elements of the previous result before the full render, which then sets
// the same values.
type ShownResult struct {
	Run     string // #top5's data-run: the result's number (Runs)
	Top     []ShownPrediction
	Timing  string
	Caption string
	ViewURL string
}

// ShownPrediction is one row of #top5: its data-index and data-prob (also
// the bar's value), its label and its percentage.
type ShownPrediction struct {
	Index, Prob, Label, Percent string
}

// Shown is the current result as ShownResult.
func (c *Root) Shown() ShownResult {
	r := ShownResult{Run: strconv.Itoa(c.Runs), Timing: TimingText(c.Result), Caption: ViewCaption(c.Result, c.ImageName), ViewURL: c.ViewURL}
	if c.Result != nil {
		r.Top = shownTop(c.Result.Top)
	}
	return r
}

func shownTop(top []protocol.Prediction) []ShownPrediction {
	var s []ShownPrediction
	for _, p := range top {
		s = append(s, ShownPrediction{Index: strconv.Itoa(p.Index), Prob: ProbAttr(p.Prob), Label: p.Label, Percent: Percent(p.Prob)})
	}
	return s
}

// ProbAttr formats a probability for data-prob and the bar's value.
func ProbAttr(p float64) string { return strconv.FormatFloat(p, 'f', 6, 64) }

// Cancel is the click on the Cancel button: it stops the run and the
// download in flight.
func (c *Root) Cancel(event vugu.DOMEvent) {
	if c.Running {
		c.Host.Cancel()
	}
	if c.ModelBusy {
		c.Host.CancelLoad()
	}
}

// Busy reports whether the worker is doing something the user may cancel.
func (c *Root) Busy() bool { return c.Running || c.ModelBusy }

// StepText describes the run's progress: "layer 12 of 40: layer2.1.conv1".
func (c *Root) StepText() string {
	if c.Step.Total == 0 {
		return "Starting..."
	}
	return fmt.Sprintf("Layer %d of %d: %s", c.Step.Index+1, c.Step.Total, c.Step.Name)
}

// DownloadText describes the download in flight.
func (c *Root) DownloadText() string {
	if c.DLTotal > 0 {
		return fmt.Sprintf("Loading %s: %s of %s", c.Selected, Bytes(c.DLLoaded), Bytes(c.DLTotal))
	}
	return fmt.Sprintf("Loading %s: %s", c.Selected, Bytes(c.DLLoaded))
}

// Percent formats a probability: 97.3 %.
func Percent(p float64) string {
	return strconv.FormatFloat(100*p, 'f', 1, 64) + " %"
}

// Millis formats a duration in milliseconds.
func Millis(ms float64) string {
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// PNG encodes an RGBA view for an <img> (through a blob: URL: a data: URL
// of a 224x224 view would be too big for Vugu's render buffer); nil for an
// empty or inconsistent image. Not compressed: the blob never leaves the
// page, and compressing cost more than the run it shows (WebAssembly in
// Node, png.Encode's default level: 3.8 ms for a 32x32 view, 33 ms for a
// 224x224 one; uncompressed with a reused buffer 0.12 and 1.4 ms).
func PNG(v protocol.Image) []byte {
	if v.W <= 0 || v.H <= 0 || len(v.RGBA) != v.W*v.H*4 {
		return nil
	}
	var b bytes.Buffer
	b.Grow(v.W*v.H*4 + v.H + 1024)
	if err := viewPNG.Encode(&b, &image.RGBA{Pix: v.RGBA, Stride: 4 * v.W, Rect: image.Rect(0, 0, v.W, v.H)}); err != nil {
		return nil
	}
	return b.Bytes()
}

var viewPNG = png.Encoder{CompressionLevel: png.NoCompression, BufferPool: &pngBuffers{}}

// pngBuffers keeps png.Encoder's buffers (its zlib writer) between views.
type pngBuffers struct{ p sync.Pool }

func (b *pngBuffers) Get() *png.EncoderBuffer {
	e, _ := b.p.Get().(*png.EncoderBuffer)
	return e
}

func (b *pngBuffers) Put(e *png.EncoderBuffer) { b.p.Put(e) }

// TopLabelID is the id of the i-th class label of the top-5, which its bar
// names as its label.
func TopLabelID(i int) string { return "top-label-" + strconv.Itoa(i) }

// TimingText reports a run's time: "AlexNet in 95 ms (inference 8.25
// ms, 21 layers).", with "on 2 workers" after the inference time when the
// model was split over several (so that a class comparing machines sees
// why the same model runs at different speeds).
func TimingText(r *protocol.Result) string {
	if r == nil {
		return ""
	}
	workers := 0
	if r.Memory != nil {
		workers = r.Memory.Workers
	}
	return timingText(r.Model, r.Ms, r.RunMs, workers, len(r.Timings))
}

func timingText(model string, ms, runMs float64, workers, layers int) string {
	on := ""
	if workers > 1 {
		on = fmt.Sprintf(" on %d workers", workers)
	}
	return fmt.Sprintf("%s in %s (inference %s%s, %d layers).", model, Millis(ms), Millis(runMs), on, layers)
}

// ViewCaption says what the small image is.
func ViewCaption(r *protocol.Result, name string) string {
	if r == nil {
		return ""
	}
	return viewCaption(name, r.Model, r.View)
}

func viewCaption(name, model string, view protocol.Image) string {
	return fmt.Sprintf("%s as %s sees it: %dx%d.", name, model, view.W, view.H)
}

// Accuracy formats a published top-1 accuracy in percent ("-" when none).
func Accuracy(top1 float64) string {
	if top1 <= 0 {
		return "-"
	}
	return strconv.FormatFloat(top1, 'f', 1, 64) + " %"
}

// UseState is an aria-pressed value.
func UseState(on bool) string {
	if on {
		return "true"
	}
	return "false"
}
