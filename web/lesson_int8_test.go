package web

import (
	"strings"
	"sync"
	"testing"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// int8Host answers Int8Cost with a fixed report and records the twin.
type int8Host struct {
	*fakeHost
	asked []protocol.ModelRef
	rep   protocol.Int8Report
}

func (h *int8Host) Int8Cost(twin protocol.ModelRef) (*protocol.Int8Report, error) {
	h.mu.Lock()
	h.asked = append(h.asked, twin)
	h.mu.Unlock()
	r := h.rep
	return &r, nil
}

// TestInt8LessonTexts: the twin of the loaded version is asked for; the
// toggle swaps the top-5 and what changed; the texts take their numbers
// from the report; a model without a twin says so.
func TestInt8LessonTexts(t *testing.T) {
	p := func(i int, label string, prob float64) protocol.Prediction {
		return protocol.Prediction{Index: i, Label: label, Prob: prob}
	}
	h := &int8Host{fakeHost: newFakeHost(), rep: protocol.Int8Report{
		Model:      "m",
		Int8Top:    []protocol.Prediction{p(3, "cat", 0.5), p(5, "dog", 0.3), p(1, "car", 0.1)},
		Float32Top: []protocol.Prediction{p(5, "dog", 0.45), p(3, "cat", 0.4), p(2, "bird", 0.1)},
		Layers: []protocol.LayerError{
			{Name: "conv1", Kind: "conv", RelErr: 0.01, WeightErr: 0.005, Cosine: 0.9999},
			{Name: "conv2", Kind: "conv", RelErr: 0.05, WeightErr: 0.007, Cosine: 0.999},
			{Name: "fc", Kind: "fc", RelErr: 0.03, WeightErr: 0.006, Cosine: 0.9995},
		},
		Int8Bytes: 100, Float32Bytes: 400,
	}}
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 64))
	twin := &TwinRef{URL: "models/float32/m.0123456789abcdef.csm", SHA256: strings.Repeat("ab", 32), Bytes: 400}
	root := &Root{Host: h, Runs: 1,
		Info:   &protocol.Loaded{Name: "m", SHA256: strings.Repeat("cd", 32)},
		Result: &protocol.Result{Model: "m"},
		Models: []ModelEntry{
			{Name: "m", SHA256: strings.Repeat("ef", 32), Float32: twin}, // another version of m
			{Name: "m", SHA256: strings.Repeat("cd", 32), Float32: twin, Available: true, URL: "models/m.csm"},
			{Name: "other", Available: true, URL: "models/o.csm"},
		},
	}
	c := &Lessons{Root: root}
	c.Init(nil)
	c.ee = ee
	ee.Lock()
	if !c.HasTwin() {
		t.Fatal("no twin found for the loaded version")
	}
	if _, _, busy := c.int8Report(); !busy {
		t.Fatal("no fetch started")
	}
	ee.UnlockOnly()
	waitFor(t, ee, "the report", func() bool { r, _, _ := c.int8Report(); return r != nil })
	ee.Lock()
	defer ee.UnlockOnly()
	if len(h.asked) != 1 || h.asked[0].URL != twin.URL || h.asked[0].SHA256 != twin.SHA256 {
		t.Errorf("asked for %+v", h.asked)
	}
	rows := c.Int8Rows()
	if len(rows) != 3 || rows[0].Label != "cat" || rows[0].OtherRank != 2 || rows[0].Other != 0.4 || rows[2].OtherRank != 0 {
		t.Errorf("int8 rows %+v", rows)
	}
	if got := c.Int8Change(rows[0]); got != "rank 2 with float32, +10.00 points" {
		t.Errorf("change %q", got)
	}
	if got := c.Int8Change(rows[2]); got != "not in the float32 top-5" {
		t.Errorf("change %q", got)
	}
	c.SetInt8Mode(nil, ModeFloat32)
	if rows := c.Int8Rows(); rows[0].Label != "dog" || rows[0].OtherRank != 2 || c.Int8ModeState(ModeFloat32) != "true" {
		t.Errorf("float32 rows %+v", rows)
	}
	if s := c.Int8Summary(); !strings.Contains(s, "top-1 is cat (50.0 %) with int8 weights and dog (45.0 %)") || !strings.Contains(s, "3 of the top-5 classes change rank or leave it") {
		t.Errorf("summary %q", s)
	}
	if s := c.Int8DepthText(); !strings.Contains(s, "the largest error is 5 %, at conv2") || !strings.Contains(s, "grows with depth, 3.0 times") {
		t.Errorf("depth text %q", s)
	}
	if s := c.Int8Text(); !strings.Contains(s, "(4.0 times less)") || !strings.Contains(s, "by 0.5 % to 0.7 %") {
		t.Errorf("text %q", s)
	}
	if c.Int8ChartURL() == "" {
		t.Error("no chart")
	}

	root.Info = &protocol.Loaded{Name: "other"}
	if c.HasTwin() || !strings.HasPrefix(c.Int8Missing(), "other has no float32 twin") || !strings.Contains(c.Int8Missing(), "Models with one: m.") {
		t.Errorf("no twin: %v %q", c.HasTwin(), c.Int8Missing())
	}
}
