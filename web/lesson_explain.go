package web

import (
	"fmt"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// The "where the network looks" lesson: a heatmap of the evidence for one
// of the top-5 classes, overlaid on the model's view of the image. The
// worker computes it (an exact class activation map for networks that end
// in global average pooling and one fc layer, occlusion otherwise); the
// page blends it over the view in Go.

// explainClass is the class shown: the user's pick if it is in the current
// top-5, else the top-1.
func (c *Lessons) explainClass() (protocol.Prediction, bool) {
	r := c.result()
	if r == nil || len(r.Top) == 0 {
		return protocol.Prediction{}, false
	}
	for _, p := range r.Top {
		if p.Index == c.ExplainClass {
			return p, true
		}
	}
	return r.Top[0], true
}

// ExplainIndex is the class shown (-1 before a run), for aria-pressed.
func (c *Lessons) ExplainIndex() int {
	p, ok := c.explainClass()
	if !ok {
		return -1
	}
	return p.Index
}

// Top is the last run's top-5 (the classes the lesson offers).
func (c *Lessons) Top() []protocol.Prediction {
	if r := c.result(); r != nil {
		return r.Top
	}
	return nil
}

// SetExplainClass is the click on a class button.
func (c *Lessons) SetExplainClass(event vugu.DOMEvent, class int) { c.ExplainClass = class }

// explainKey names the heatmap wanted now ("" before a run).
func (c *Lessons) explainKey() string {
	p, ok := c.explainClass()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s|%d|%d", c.runKey(), p.Index, c.explainTry)
}

func (c *Lessons) heatmap() (*protocol.Heatmap, error, bool) {
	p, ok := c.explainClass()
	if !ok {
		return nil, nil, false
	}
	key := c.explainKey()
	// The worker answers one request at a time: an occlusion map still
	// running for another class (or image) would hold the new one up for
	// as long as it has left, so it is stopped.
	if a := c.async["explain"]; a != nil && a.busy && a.key != key {
		c.Root.Host.CancelExplain()
	}
	ee := c.ee
	v, err, busy := c.fetch("explain", key, func() (any, error) {
		return c.Root.Host.Explain(p.Index, func(done, total int) {
			ee.Lock()
			defer ee.UnlockRender()
			c.occlusion = occlusionProgress{key: key, done: done, total: total}
		})
	})
	h, _ := v.(*protocol.Heatmap)
	return h, err, busy
}

// occlusionProgress is how far the occlusion map of key got: done of
// total patch positions run.
type occlusionProgress struct {
	key         string
	done, total int
}

// ExplainProgress is the positions run so far and their total while an
// occlusion map is computed (0, 0 otherwise, or before its first report).
func (c *Lessons) ExplainProgress() (done, total int) {
	if _, _, busy := c.heatmap(); !busy || c.occlusion.key != c.explainKey() {
		return 0, 0
	}
	return c.occlusion.done, c.occlusion.total
}

// ExplainDone and ExplainMax are ExplainProgress for the progress bar.
func (c *Lessons) ExplainDone() int { d, _ := c.ExplainProgress(); return d }
func (c *Lessons) ExplainMax() int  { _, t := c.ExplainProgress(); return t }

// ExplainBusy is true while the heatmap is computed (the Stop button).
func (c *Lessons) ExplainBusy() bool { _, _, busy := c.heatmap(); return busy }

// ExplainStopped is true when the user stopped the heatmap (the button to
// start it again).
func (c *Lessons) ExplainStopped() bool { _, err, _ := c.heatmap(); return isCancelled(err) }

// StopExplain is the Stop button: the occlusion runs end at the next
// layer.
func (c *Lessons) StopExplain(event vugu.DOMEvent) { c.Root.Host.CancelExplain() }

// AgainExplain is the button that computes a stopped heatmap again.
func (c *Lessons) AgainExplain(event vugu.DOMEvent) { c.explainTry++ }

// ExplainURL is the heatmap blended over the model's view.
func (c *Lessons) ExplainURL() string {
	h, _, _ := c.heatmap()
	r := c.result()
	if h == nil || r == nil {
		return ""
	}
	key := fmt.Sprintf("%s|%d", c.runKey(), h.Class)
	return c.pngURL("explain", key, func() []byte {
		return HeatPNG(r.View, h, 0.65, max(1, 256/max(r.View.W, r.View.H)))
	})
}

// ExplainMethod is the heatmap's method ("cam" or "occlusion"), for tests.
func (c *Lessons) ExplainMethod() string {
	if h, _, _ := c.heatmap(); h != nil {
		return h.Method
	}
	return ""
}

// ExplainNote says how the heatmap was computed, or why there is none.
func (c *Lessons) ExplainNote() string {
	if c.result() == nil {
		return NeedsImage
	}
	p, _ := c.explainClass()
	h, err, busy := c.heatmap()
	done, total := c.ExplainProgress()
	switch {
	case busy && total > 0:
		return fmt.Sprintf("Occlusion sensitivity for %s: %d of %d positions run (the network runs once more for each place the grey square hides)...", p.Label, done, total)
	case busy:
		return fmt.Sprintf("Computing where %s looks for %s...", c.result().Model, p.Label)
	case isCancelled(err):
		if c.occlusion.key == c.explainKey() {
			return fmt.Sprintf("Stopped after %d of %d positions.", c.occlusion.done, c.occlusion.total)
		}
		return "Stopped."
	case err != nil:
		return "Could not compute the heatmap: " + err.Error()
	case h == nil:
		return ""
	}
	switch h.Method {
	case "cam":
		return fmt.Sprintf("Class activation map for %s (%s): the %dx%d maps of %s weighted by the fc layer's weights for this class. "+
			"This is exact for a network that ends in global average pooling and one fc layer: the class score is the average of this map plus a bias. Bright: evidence for %s. %s.",
			p.Label, Percent(p.Prob), h.W, h.H, h.Layer, p.Label, Millis(h.Ms))
	case "occlusion":
		return fmt.Sprintf("Occlusion sensitivity for %s (%s): a grey %dx%d square was slid over the image with a stride of %d pixels, and the network run again each time. "+
			"Bright: hiding this part lowers the probability of %s most. %s.",
			p.Label, Percent(p.Prob), h.Patch, h.Patch, h.Stride, p.Label, Millis(h.Ms))
	}
	return fmt.Sprintf("Heatmap for %s (%s method).", p.Label, h.Method)
}

// ExplainLabel is the explained class's label.
func (c *Lessons) ExplainLabel() string {
	p, _ := c.explainClass()
	return p.Label
}
