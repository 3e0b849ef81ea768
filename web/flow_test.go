package web

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"
)

// fakeHost is a Host whose Classify runs until release or Cancel, so the
// component's state can be checked while a run is in flight.
type fakeHost struct {
	mu        sync.Mutex
	loads     []string
	runs      []bool // per Classify: again?
	cancel    chan struct{}
	release   chan struct{}
	read      int // File.Read calls
	cancels   int // Cancel calls
	progress  []string
	loadError error
}

func newFakeHost() *fakeHost {
	return &fakeHost{cancel: make(chan struct{}, 8), release: make(chan struct{}, 8)}
}

func (h *fakeHost) ModelList() ([]ModelEntry, error) { return nil, nil }
func (h *fakeHost) Training() ([]TrainingRun, error) { return nil, errors.New("none") }
func (h *fakeHost) Load(m ModelEntry, progress func(loaded, total int64)) (*protocol.Loaded, error) {
	h.mu.Lock()
	h.loads = append(h.loads, m.Name)
	err := h.loadError
	h.mu.Unlock()
	progress(m.Bytes/2, m.Bytes)
	if err != nil {
		return nil, err
	}
	return &protocol.Loaded{Name: m.Name, Layers: []protocol.LayerInfo{{Name: "conv1", Kind: "conv", Maps: true}}}, nil
}
func (h *fakeHost) Classify(img []byte, step func(protocol.LayerDone)) (*protocol.Result, error) {
	h.mu.Lock()
	h.runs = append(h.runs, img == nil)
	h.mu.Unlock()
	step(protocol.LayerDone{Index: 0, Total: 2, Name: "conv1"})
	select {
	case <-h.release:
		return &protocol.Result{Model: "m", Top: []protocol.Prediction{{Index: 3, Label: "cat", Prob: 0.9}}, View: protocol.Image{W: 1, H: 1, RGBA: []byte{1, 2, 3, 255}}}, nil
	case <-h.cancel:
		return nil, &Error{Code: protocol.CodeCancelled, Message: "cancelled"}
	}
}
func (h *fakeHost) Cancel() {
	h.mu.Lock()
	h.cancels++
	h.mu.Unlock()
	h.cancel <- struct{}{}
}
func (h *fakeHost) CancelLoad()                                      {}
func (h *fakeHost) Activations(layer string) (*protocol.Maps, error) { return nil, errors.New("none") }
func (h *fakeHost) Filters() (*protocol.Patches, error)              { return nil, errors.New("none") }
func (h *fakeHost) Explain(int, func(int, int)) (*protocol.Heatmap, error) {
	return nil, errors.New("none")
}
func (h *fakeHost) CancelExplain()                                   {}
func (h *fakeHost) Slide(string, int, int) (*protocol.Slides, error) { return nil, errors.New("none") }
func (h *fakeHost) ShowMaps(*protocol.Maps, *protocol.Image)         {}
func (h *fakeHost) ShowFilters(*protocol.Patches)                    {}
func (h *fakeHost) ViewerSettings(string, string)                    {}
func (h *fakeHost) InputFile(js.Value) *File                         { return nil }
func (h *fakeHost) ObjectURL(data []byte, mime string) string        { return "blob:view" }
func (h *fakeHost) Revoke(string)                                    {}
func (h *fakeHost) Fetch(string) ([]byte, error)                     { return []byte("x"), nil }
func (h *fakeHost) Camera() bool                                     { return false }
func (h *fakeHost) ShowResult(ShownResult) bool                      { return false }
func (h *fakeHost) AfterPaint(f func())                              { f() }
func (h *fakeHost) ShowProgress(name, label string, value, max float64) {
	h.mu.Lock()
	h.progress = append(h.progress, name+": "+label)
	h.mu.Unlock()
}

// waitFor polls cond under the render lock.
func waitFor(t *testing.T, ee vugu.EventEnv, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		ee.Lock()
		ok := cond()
		ee.UnlockOnly()
		if ok {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestFlow(t *testing.T) {
	h := newFakeHost()
	c := &Root{Host: h}
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 64))
	m := ModelEntry{Name: "resnet20_cifar", URL: "models/r.csm", Bytes: 100, BuiltIn: true, Available: true}

	ee.Lock()
	c.useModel(ee, m)
	busy := c.ModelBusy && c.Info == nil && c.Selected == m.Name
	ee.UnlockOnly()
	if !busy {
		t.Fatal("choosing a model does not show it loading")
	}
	waitFor(t, ee, "the model", func() bool { return c.Current == m.Name && c.Info != nil && !c.ModelBusy })

	// A file too big is refused before it is read.
	ee.Lock()
	c.UseFile(ee, &File{Name: "huge.jpg", Size: MaxImageBytes + 1, Read: func() ([]byte, error) { h.read++; return nil, nil }})
	alert := c.Alert
	ee.UnlockOnly()
	if !strings.Contains(alert, "huge.jpg") || h.read != 0 {
		t.Errorf("oversized file: alert %q, %d reads", alert, h.read)
	}

	// A run shows its progress and can be cancelled.
	ee.Lock()
	c.UseFile(ee, &File{Name: "cat.jpg", Size: 3, Read: func() ([]byte, error) { return []byte("jpg"), nil }})
	ee.UnlockOnly()
	waitFor(t, ee, "the run's progress", func() bool { return c.Running && c.Step.Total == 2 && c.Alert == "" })
	if got := c.StepText(); got != "Layer 1 of 2: conv1" {
		t.Errorf("StepText = %q", got)
	}
	h.mu.Lock()
	shown := strings.Join(h.progress, " | ")
	h.mu.Unlock()
	if !strings.Contains(shown, "run: Layer 1 of 2: conv1") || !strings.Contains(shown, "download: Loading resnet20_cifar: 50 B of 100 B") {
		t.Errorf("progress shown in place: %s", shown)
	}
	ee.Lock()
	c.Cancel(vugu.NewDOMEvent(ee, nil))
	ee.UnlockOnly()
	waitFor(t, ee, "the cancel", func() bool { return !c.Running && c.Notice == "Cancelled." && c.Result == nil })

	// A finished run shows its top-5 and view.
	ee.Lock()
	c.UseFile(ee, &File{Name: "cat.jpg", Size: 3, Read: func() ([]byte, error) { return []byte("jpg"), nil }})
	ee.UnlockOnly()
	waitFor(t, ee, "the run", func() bool { return c.Running })
	h.release <- struct{}{}
	waitFor(t, ee, "the result", func() bool { return c.Result != nil && !c.Running && c.ViewURL == "blob:view" && c.Runs == 1 })

	// Switching the model runs the same image again.
	other := ModelEntry{Name: "vgg_cifar", URL: "models/v.csm", Available: true}
	ee.Lock()
	c.useModel(ee, other)
	ee.UnlockOnly()
	// Running is set before the run reaches the host (the model loads
	// first): wait for its Classify, the third, before reading it.
	var again bool
	waitFor(t, ee, "the re-run", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.runs) < 3 {
			return false
		}
		again = h.runs[2]
		return c.Current == "vgg_cifar" && c.Running
	})
	if !again {
		t.Error("the model switch did not classify the last image again")
	}
	h.release <- struct{}{}
	waitFor(t, ee, "the second result", func() bool { return c.Runs == 2 && !c.Running })

	// A failed download leaves the loaded model in place.
	h.mu.Lock()
	h.loadError = &Error{Code: protocol.CodeHash, Message: "the file does not have the expected SHA-256"}
	h.mu.Unlock()
	ee.Lock()
	c.useModel(ee, ModelEntry{Name: "bad", URL: "models/b.csm", Available: true})
	ee.UnlockOnly()
	waitFor(t, ee, "the download error", func() bool { return !c.ModelBusy && c.Alert != "" })
	if c.Selected != "vgg_cifar" || c.Info == nil || !strings.Contains(c.Alert, "bad") {
		t.Errorf("after a failed load: selected %q, info %v, alert %q", c.Selected, c.Info != nil, c.Alert)
	}
}

// TestPickRenders: a pick renders nothing until its answer unless it takes
// longer than BusyDelay, when the busy state (progress, Cancel) is rendered.
func TestPickRenders(t *testing.T) {
	h := newFakeHost()
	c := &Root{Host: h}
	renders := make(chan bool, 64)
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, renders)
	c.Selected, c.Current, c.Info = "m", "m", &protocol.Loaded{Name: "m"}
	pick := func() time.Time {
		ee.Lock()
		c.UseFile(ee, &File{Name: "cat.jpg", Size: 3, Read: func() ([]byte, error) { return []byte("jpg"), nil }})
		ee.UnlockOnly()
		return time.Now()
	}
	drain := func() int {
		n := 0
		for len(renders) > 0 {
			<-renders
			n++
		}
		return n
	}

	// A quick answer: one render, the result's.
	picked := pick()
	waitFor(t, ee, "the run", func() bool { return c.Running })
	n := drain()
	quick := time.Since(picked) < BusyDelay
	h.release <- struct{}{}
	waitFor(t, ee, "the result", func() bool { return c.Runs == 1 && !c.Running })
	if quick && n != 0 {
		t.Errorf("%d renders before the answer of a quick pick", n)
	}
	time.Sleep(BusyDelay + 50*time.Millisecond)
	if n := drain(); n != 1 {
		t.Errorf("%d renders after the answer of a quick pick, want 1", n)
	}

	// A slow answer: the busy state is rendered after BusyDelay.
	pick()
	waitFor(t, ee, "the run", func() bool { return c.Running })
	time.Sleep(BusyDelay + 50*time.Millisecond)
	if n := drain(); n < 1 {
		t.Errorf("no render of the busy state %v after a pick", BusyDelay+50*time.Millisecond)
	}
	h.release <- struct{}{}
	waitFor(t, ee, "the second result", func() bool { return c.Runs == 2 && !c.Running })
}

// TestPostedFile: a file whose Classify the host posted as it was given
// (File.Run) is not read and not classified again through the host; a
// run in flight is cancelled through Host.Cancel (before Run is called,
// which is what lets a host leave the posted request alone), and the
// posted run's answer is shown.
func TestPostedFile(t *testing.T) {
	h := newFakeHost()
	c := &Root{Host: h}
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 64))
	c.Selected, c.Current, c.Info = "m", "m", &protocol.Loaded{Name: "m"}

	ee.Lock()
	c.UseFile(ee, &File{Name: "a.jpg", Size: 3, Read: func() ([]byte, error) { return []byte("jpg"), nil }})
	ee.UnlockOnly()
	waitFor(t, ee, "the first run", func() bool { return c.Running && c.Step.Total == 2 })

	answer := make(chan struct{})
	var ran int
	var cancelsBeforeRun int
	run := func(step func(protocol.LayerDone), _ func(protocol.Preview)) (*protocol.Result, error) {
		h.mu.Lock()
		ran++
		cancelsBeforeRun = h.cancels
		h.mu.Unlock()
		step(protocol.LayerDone{Index: 1, Total: 3, Name: "fc"})
		<-answer
		return &protocol.Result{Model: "m", Top: []protocol.Prediction{{Index: 5, Label: "dog", Prob: 0.8}}, View: protocol.Image{W: 1, H: 1, RGBA: []byte{1, 2, 3, 255}}}, nil
	}
	reads := 0
	ee.Lock()
	c.UseFile(ee, &File{Name: "b.png", Size: 3, Read: func() ([]byte, error) { reads++; return []byte("png"), nil }, Run: run})
	reading, name := c.Reading, c.ImageName
	ee.UnlockOnly()
	if reading || name != "b.png" {
		t.Errorf("a posted file: Reading %v, ImageName %q; want no read and its name at once", reading, name)
	}
	waitFor(t, ee, "the posted run's progress", func() bool { return c.Running && c.Step.Total == 3 })
	close(answer)
	waitFor(t, ee, "the posted run's result", func() bool { return c.Runs == 1 && !c.Running })

	h.mu.Lock()
	defer h.mu.Unlock()
	if ran != 1 || reads != 0 || len(h.runs) != 1 {
		t.Errorf("Run called %d times (want 1), Read %d (want 0), Host.Classify %d (want 1: the first file's)", ran, reads, len(h.runs))
	}
	if c.Result == nil || len(c.Result.Top) != 1 || c.Result.Top[0].Label != "dog" || c.Notice != "" || c.Alert != "" {
		t.Errorf("after the posted run: result %+v, notice %q, alert %q", c.Result, c.Notice, c.Alert)
	}
	// The first run was cancelled through Host.Cancel, once, before Run
	// was called.
	if cancelsBeforeRun != 1 || h.cancels != 1 {
		t.Errorf("Host.Cancel called %d times before Run, %d in all; want 1 and 1", cancelsBeforeRun, h.cancels)
	}
}

// showHost is a fakeHost whose ShowResult writes (records) every result
// shown at once.
type showHost struct {
	*fakeHost
	shown []ShownResult
}

func (h *showHost) ShowResult(r ShownResult) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.shown = append(h.shown, r)
	return true
}

func (h *showHost) ObjectURL(data []byte, mime string) string {
	return "data:" + mime + ";" + strconv.Itoa(len(data))
}

// TestPreviewShown: a run's Preview is shown (ShowResult) before its
// Result, as the Result's own ShownResult, which finish then does not
// write again; a Result that differs from its Preview is written again;
// a Preview over no result on the page is not shown.
func TestPreviewShown(t *testing.T) {
	h := &showHost{fakeHost: newFakeHost()}
	c := &Root{Host: h}
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 64))
	c.Selected, c.Current, c.Info = "m", "m", &protocol.Loaded{Name: "m"}

	view := protocol.Image{W: 1, H: 1, RGBA: []byte{1, 2, 3, 255}}
	result := func(label string) *protocol.Result {
		return &protocol.Result{Model: "m", Top: []protocol.Prediction{{Index: 5, Label: label, Prob: 0.8}}, Ms: 3.5, RunMs: 3,
			View: view, Timings: []protocol.Timing{{Name: "conv1"}, {Name: "fc"}}, Memory: &protocol.Memory{Workers: 1}}
	}
	pick := func(name string, res *protocol.Result, pv *protocol.Preview) (atPreview []ShownResult, runs int) {
		t.Helper()
		answer := make(chan struct{})
		run := func(step func(protocol.LayerDone), preview func(protocol.Preview)) (*protocol.Result, error) {
			if pv != nil {
				preview(*pv)
			}
			h.mu.Lock()
			atPreview = slices.Clone(h.shown)
			h.mu.Unlock()
			<-answer
			return res, nil
		}
		ee.Lock()
		c.UseFile(ee, &File{Name: name, Size: 3, Run: run})
		runs = c.Runs
		ee.UnlockOnly()
		waitFor(t, ee, "the run", func() bool { return c.Running })
		close(answer)
		waitFor(t, ee, "the result", func() bool { return c.Runs == runs+1 && !c.Running })
		return atPreview, runs
	}

	// No result on the page yet: the Preview is not shown, the Result is
	// rendered.
	r1 := result("cat")
	p1 := protocol.PreviewOf(r1)
	if at, _ := pick("a.png", r1, &p1); len(at) != 0 || len(h.shown) != 0 {
		t.Fatalf("the first pick: %d shown at its preview, %d in all; want none", len(at), len(h.shown))
	}

	// Over a result: shown once, from the Preview, as the Result shows.
	r2 := result("dog")
	p2 := protocol.PreviewOf(r2)
	at, _ := pick("b.png", r2, &p2)
	ee.Lock()
	want := c.Shown()
	ee.UnlockOnly()
	if len(at) != 1 || !reflect.DeepEqual(at[0], want) || len(h.shown) != 1 {
		t.Errorf("a previewed pick: shown at its preview %+v, in all %d; want once, %+v", at, len(h.shown), want)
	}
	if want.Timing != "m in 3.50 ms (inference 3.00 ms, 2 layers)." || want.Run != "2" {
		t.Errorf("shown %+v", want)
	}

	// A Result that differs from its Preview is written again.
	r3 := result("bird")
	p3 := protocol.PreviewOf(r3)
	p3.Top = []protocol.Prediction{{Index: 1, Label: "car", Prob: 0.5}}
	h.shown = nil
	pick("c.png", r3, &p3)
	ee.Lock()
	want = c.Shown()
	ee.UnlockOnly()
	if len(h.shown) != 2 || h.shown[0].Top[0].Label != "car" || !reflect.DeepEqual(h.shown[1], want) {
		t.Errorf("a Result unlike its Preview: shown %+v; want the preview, then %+v", h.shown, want)
	}

	// No Preview: the Result is shown at once as before.
	h.shown = nil
	pick("d.png", result("frog"), nil)
	if len(h.shown) != 1 || h.shown[0].Top[0].Label != "frog" {
		t.Errorf("a pick without a Preview: shown %+v", h.shown)
	}
}
