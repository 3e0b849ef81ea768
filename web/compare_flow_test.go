package web

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// compareHost is a worker with one model loaded at a time: Classify
// answers for the loaded model (its top-1 class is the model's index in
// the list), and blocks the next run of the model named in hold until
// Cancel.
type compareHost struct {
	Host // methods the comparison never calls (nil: a call panics)

	mu     sync.Mutex
	loaded string
	loads  []string
	runs   []string // the model each Classify ran on
	hold   string
	cancel chan struct{}
}

var compareNames = []string{"a_cifar", "b_cifar", "c_cifar"}

func (h *compareHost) Load(m ModelEntry, progress func(loaded, total int64)) (*protocol.Loaded, error) {
	progress(1, 2)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.loaded = m.Name
	h.loads = append(h.loads, m.Name)
	return &protocol.Loaded{Name: m.Name}, nil
}

func (h *compareHost) Classify(img []byte, step func(protocol.LayerDone)) (*protocol.Result, error) {
	step(protocol.LayerDone{Index: 0, Total: 1, Name: "conv1"})
	h.mu.Lock()
	model, hold := h.loaded, h.hold
	h.runs = append(h.runs, model)
	if model == hold {
		h.hold = "" // once
	}
	h.mu.Unlock()
	if model == hold {
		<-h.cancel
		return nil, &Error{Code: protocol.CodeCancelled, Message: "cancelled"}
	}
	idx := slices.Index(compareNames, model)
	return &protocol.Result{Model: model, RunMs: float64(10 * (idx + 1)), Ms: 1,
		Top:  []protocol.Prediction{{Index: idx, Label: model, Prob: 0.9}},
		View: protocol.Image{W: 1, H: 1, RGBA: []byte{1, 2, 3, 255}}}, nil
}

func (h *compareHost) Cancel() {
	select {
	case h.cancel <- struct{}{}:
	default:
	}
}
func (h *compareHost) CancelLoad()                                         {}
func (h *compareHost) ShowProgress(name, label string, value, max float64) {}
func (h *compareHost) ObjectURL(data []byte, mime string) string           { return "blob:view" }
func (h *compareHost) Revoke(string)                                       {}
func (h *compareHost) ShowResult(ShownResult) bool                         { return false }

func (h *compareHost) log() (loads, runs []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.loads), slices.Clone(h.runs)
}

// compareRoot is a page with b_cifar chosen and an image classified.
func compareRoot(h *compareHost) *Root {
	var list []ModelEntry
	for _, n := range compareNames {
		list = append(list, ModelEntry{Name: n, Dataset: "cifar10", Available: true, URL: "models/" + n + ".csm"})
	}
	list = append(list, ModelEntry{Name: "vgg16", Dataset: "imagenet"}) // not on the server
	h.loaded = "b_cifar"
	return &Root{Host: h, Models: list, Selected: "b_cifar", Current: "b_cifar", Info: &protocol.Loaded{Name: "b_cifar"}, HasImage: true, ImageName: "cat"}
}

func waitCompare(t *testing.T, ee vugu.EventEnv, what string, cond func() bool) {
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

func TestCompareFlow(t *testing.T) {
	h := &compareHost{cancel: make(chan struct{}, 1)}
	root := compareRoot(h)
	c := &Compare{Root: root}
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 256))

	ee.Lock()
	if !c.CanStart() || !strings.Contains(c.StartText(), "through 3 models") {
		t.Errorf("CanStart %v, %q", c.CanStart(), c.StartText())
	}
	c.Start(vugu.NewDOMEvent(ee, nil))
	ee.UnlockOnly()
	waitCompare(t, ee, "the comparison", func() bool { return !c.Running && root.Result != nil && !root.Running })

	if len(c.Results) != 3 {
		t.Fatalf("%d results, want 3: %+v", len(c.Results), c.Results)
	}
	for i, r := range c.Results {
		if r.Model != compareNames[i] || r.Top1().Index != i || r.Err != "" {
			t.Errorf("result %d: %s top-1 %d, error %q", i, r.Model, r.Top1().Index, r.Err)
		}
		if ms, n := root.Lab.Latency(r.Model); n < 1 || ms != float64(10*(i+1)) {
			t.Errorf("%s: latency %v over %d runs", r.Model, ms, n)
		}
	}
	loads, runs := h.log()
	// Each model in turn, then the user's model back, and the image on it.
	if want := []string{"a_cifar", "b_cifar", "c_cifar", "b_cifar"}; !slices.Equal(loads, want) {
		t.Errorf("loads %v, want %v", loads, want)
	}
	if want := []string{"a_cifar", "b_cifar", "c_cifar", "b_cifar"}; !slices.Equal(runs, want) {
		t.Errorf("runs %v, want %v", runs, want)
	}
	if root.Result.Model != "b_cifar" || root.Current != "b_cifar" || c.Note != "cat through 3 models." {
		t.Errorf("after the comparison: result of %s, current %s, note %q", root.Result.Model, root.Current, c.Note)
	}

	// A comparison cancelled on the second model keeps the first, and
	// still brings the user's model back.
	h.mu.Lock()
	h.hold, h.loads, h.runs = "b_cifar", nil, nil
	h.mu.Unlock()
	ee.Lock()
	c.Start(vugu.NewDOMEvent(ee, nil))
	ee.UnlockOnly()
	waitCompare(t, ee, "the second model's run", func() bool {
		_, runs := h.log()
		return len(runs) == 2
	})
	ee.Lock()
	c.Cancel(vugu.NewDOMEvent(ee, nil))
	ee.UnlockOnly()
	waitCompare(t, ee, "the cancel", func() bool { return !c.Running })
	if len(c.Results) != 1 || c.Note != "Cancelled after 1 of 3 models." {
		t.Errorf("after cancel: %d results, note %q", len(c.Results), c.Note)
	}
	waitCompare(t, ee, "the user's model's run", func() bool { return !root.Running })
	if loads, _ := h.log(); loads[len(loads)-1] != "b_cifar" {
		t.Errorf("the user's model was not loaded back: %v", loads)
	}
}
