package web

import (
	"slices"

	"convscope/web/protocol"
)

// Lab is the state the page-level lessons share (the comparison table, the
// Compare panel and the Classroom panel, in table.go, compare.go and
// classroom.go): it lives in Root so that it outlives their components and
// so that wasm/app can reach it. The zero value is ready to use.
type Lab struct {
	// latency holds the inference times (Result.RunMs) measured in this
	// browser, per model, in the order they came.
	latency map[string][]float64
	seen    *protocol.Result // the last Root.Result recorded

	// Channel is the map of layer ChannelLayer the viewer shows enlarged,
	// when Enlarged (the viewer reports it with a "select" message; a share
	// link carries it).
	Channel      int
	ChannelLayer string
	Enlarged     bool

	exports map[string]string // per exported element id: what its last export did
}

// maxLatencies bounds the times kept per model: the median of the last
// ones is what the table shows.
const maxLatencies = 32

// Record adds a run's inference time to its model's measurements.
func (l *Lab) Record(r *protocol.Result) {
	if r == nil || r.Model == "" || r.RunMs <= 0 {
		return
	}
	if l.latency == nil {
		l.latency = map[string][]float64{}
	}
	ms := append(l.latency[r.Model], r.RunMs)
	if len(ms) > maxLatencies {
		ms = ms[len(ms)-maxLatencies:]
	}
	l.latency[r.Model] = ms
}

// observe records Root's result once: every result the page shows is a
// measurement of its model in this browser. Called before each build.
func (l *Lab) observe(r *protocol.Result) {
	if r != nil && r != l.seen {
		l.seen = r
		l.Record(r)
	}
}

// Latency is the median inference time measured for a model here, and how
// many runs it is the median of (0 when it never ran in this page).
func (l *Lab) Latency(model string) (ms float64, runs int) {
	v := l.latency[model]
	if len(v) == 0 {
		return 0, 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], len(s)
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, len(s)
}

// ViewerSelected is the viewer's "select" message: a map of the layer shown
// was enlarged (channel >= 0) or the grid is back (channel < 0). wasm/app
// calls it with the render lock held.
func (c *Root) ViewerSelected(channel int) {
	c.Lab.Channel, c.Lab.ChannelLayer, c.Lab.Enlarged = max(channel, 0), c.Layer, channel >= 0
}

// SelectedChannel is the enlarged map of the layer shown, if any.
func (c *Root) SelectedChannel() (int, bool) {
	if !c.Lab.Enlarged || c.Layer == "" || c.Lab.ChannelLayer != c.Layer {
		return 0, false
	}
	return c.Lab.Channel, true
}
