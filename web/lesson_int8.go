package web

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"convscope/web/chart"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// The "what int8 costs" lesson: the loaded model's int8 weights against
// its float32 twin (the same graph with the weights before quantization,
// which the server lists as the model's "float32" entry), both run on the
// user's image by the worker. A toggle shows either top-5 with what
// changed, a chart shows each conv and fc layer's output error, and the
// texts are computed from the report. A model without a twin says so.

// TwinRef is a model's float32 twin in api/models.
type TwinRef struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Int8Coster is what the lesson needs from the host: the worker's Int8Cost
// request. It is not part of Host so that hosts without a worker (the
// component's tests) need not have it: the lesson then says it cannot run.
type Int8Coster interface {
	Int8Cost(twin protocol.ModelRef) (*protocol.Int8Report, error)
}

// Int8 modes of the toggle.
const (
	ModeInt8    = "int8"
	ModeFloat32 = "float32"
)

// int8Mode is the toggle's state ("" is int8).
func (c *Lessons) int8Mode() string {
	if c.Int8Mode == ModeFloat32 {
		return ModeFloat32
	}
	return ModeInt8
}

// SetInt8Mode is a click on the toggle.
func (c *Lessons) SetInt8Mode(event vugu.DOMEvent, mode string) { c.Int8Mode = mode }

// Int8ModeState is aria-pressed of a toggle button.
func (c *Lessons) Int8ModeState(mode string) string { return UseState(c.int8Mode() == mode) }

// Int8ModeShown is the toggle's state, for the markup ("int8" or "float32").
func (c *Lessons) Int8ModeShown() string { return c.int8Mode() }

// twin is the loaded model's float32 twin: the list entry of the same
// name and file (a twin belongs to one version of the model).
func (c *Lessons) twin() (*TwinRef, bool) {
	l := c.info()
	if l == nil || c.Root == nil {
		return nil, false
	}
	for _, m := range c.Root.Models {
		if m.Name == l.Name && m.SHA256 == l.SHA256 && m.Float32 != nil {
			return m.Float32, true
		}
	}
	return nil, false
}

// HasTwin reports whether the loaded model has a float32 twin.
func (c *Lessons) HasTwin() bool {
	_, ok := c.twin()
	return ok
}

// TwinModel is a model of the list that has a twin (for the "use" button
// when the loaded one has none).
func (c *Lessons) TwinModel() ModelEntry {
	m, _ := c.modelWith(func(m ModelEntry) bool {
		return m.Float32 != nil && (c.info() == nil || m.Name != c.info().Name)
	})
	return m
}

// Int8Missing says plainly that the loaded model has no float32 twin.
func (c *Lessons) Int8Missing() string {
	l := c.info()
	if l == nil {
		return ""
	}
	s := fmt.Sprintf("%s has no float32 twin: only its int8 weights are on this server (the float32 weights it was quantized from were not kept), so there is nothing to compare them with.", l.Name)
	var with []string
	if c.Root != nil {
		for _, m := range c.Root.Models {
			if m.Float32 != nil && m.Name != l.Name && !slices.Contains(with, m.Name) {
				with = append(with, m.Name)
			}
		}
	}
	if len(with) > 0 {
		s += " Models with one: " + strings.Join(with, ", ") + "."
	}
	return s
}

// int8Report fetches the comparison for the current run.
func (c *Lessons) int8Report() (*protocol.Int8Report, error, bool) {
	tw, ok := c.twin()
	if !ok || c.result() == nil {
		return nil, nil, false
	}
	ic, ok := c.Root.Host.(Int8Coster)
	if !ok {
		return nil, fmt.Errorf("this page cannot run the comparison"), false
	}
	l := c.info()
	ref := protocol.ModelRef{Name: "float32 twin of " + l.Name, URL: tw.URL, SHA256: tw.SHA256, Bytes: tw.Bytes}
	key := c.runKey() + "|" + tw.SHA256
	v, err, busy := c.fetch("int8", key, func() (any, error) { return ic.Int8Cost(ref) })
	r, _ := v.(*protocol.Int8Report)
	return r, err, busy
}

// Int8Note says what the lesson is doing, or why there is nothing.
func (c *Lessons) Int8Note() string {
	if c.result() == nil {
		return NeedsImage
	}
	tw, _ := c.twin()
	r, err, busy := c.int8Report()
	switch {
	case busy:
		return fmt.Sprintf("Running %s with int8 and with float32 weights (the float32 twin is %s, downloaded once)...", c.info().Name, Bytes(tw.Bytes))
	case err != nil:
		return "Could not compare int8 with float32: " + err.Error()
	case r == nil:
		return ""
	}
	from := "downloaded"
	if r.FromCache {
		from = "from this browser's cache"
	}
	return fmt.Sprintf("Both runs and the comparison took %s (float32 twin %s, %s, checked: its weights round to exactly the int8 ones).", Millis(r.Ms), Bytes(tw.Bytes), from)
}

// Int8Text explains per-channel quantization with this model's numbers.
func (c *Lessons) Int8Text() string {
	l := c.info()
	if l == nil {
		return ""
	}
	s := fmt.Sprintf("%s keeps each conv and fc weight as one byte: for every output channel c, a scale s = max|w| / 127 over that channel's weights, and q = round(w / s), an integer from -127 to 127; the engine computes with q times s. ", l.Name)
	r, _, _ := c.int8Report()
	if r == nil || len(r.Layers) == 0 {
		return s + "Rounding moves each weight by at most s/2: small, but every layer rounds."
	}
	lo, hi := math.Inf(1), 0.0
	for _, le := range r.Layers {
		lo, hi = math.Min(lo, le.WeightErr), math.Max(hi, le.WeightErr)
	}
	return s + fmt.Sprintf("Its weights take %s that way against %s as float32 (%.1f times less). Rounding changes each layer's weights by %s to %s of their size (relative L2 error), depending on the layer.",
		Bytes(r.Int8Bytes), Bytes(r.Float32Bytes), float64(r.Float32Bytes)/float64(r.Int8Bytes), errPercent(lo), errPercent(hi))
}

// errPercent formats a relative error in percent with two significant
// digits (0.0123 -> "1.2 %").
func errPercent(v float64) string {
	return strconv.FormatFloat(100*v, 'g', 2, 64) + " %"
}

// Int8Row is one line of the top-5 under the toggle's weights.
type Int8Row struct {
	Rank      int // 1-based
	Index     int
	Label     string
	Prob      float64
	Other     float64 // the class's probability with the other weights (-1: not in their top-5)
	OtherRank int     // its rank there (0: not in their top-5)
}

// Int8Rows is the top-5 of the chosen weights, with each class's rank and
// probability under the other weights.
func (c *Lessons) Int8Rows() []Int8Row {
	r, _, _ := c.int8Report()
	if r == nil {
		return nil
	}
	shown, other := r.Int8Top, r.Float32Top
	if c.int8Mode() == ModeFloat32 {
		shown, other = other, shown
	}
	rows := make([]Int8Row, len(shown))
	for i, p := range shown {
		rows[i] = Int8Row{Rank: i + 1, Index: p.Index, Label: p.Label, Prob: p.Prob, Other: -1}
		for j, q := range other {
			if q.Index == p.Index {
				rows[i].Other, rows[i].OtherRank = q.Prob, j+1
			}
		}
	}
	return rows
}

// otherName is the weights the toggle does not show.
func (c *Lessons) otherName() string {
	if c.int8Mode() == ModeFloat32 {
		return "int8"
	}
	return "float32"
}

// Int8Change says what changed for one row against the other weights.
func (c *Lessons) Int8Change(r Int8Row) string {
	if r.OtherRank == 0 {
		return "not in the " + c.otherName() + " top-5"
	}
	rank := "same rank"
	if r.OtherRank != r.Rank {
		rank = fmt.Sprintf("rank %d with %s", r.OtherRank, c.otherName())
	}
	return fmt.Sprintf("%s, %+.2f points", rank, 100*(r.Prob-r.Other))
}

// Int8Summary compares the two top-5s in one sentence.
func (c *Lessons) Int8Summary() string {
	r, _, _ := c.int8Report()
	if r == nil || len(r.Int8Top) == 0 || len(r.Float32Top) == 0 {
		return ""
	}
	a, b := r.Int8Top, r.Float32Top
	moved, worst := 0, 0.0
	for i, p := range a {
		found := false
		for j, q := range b {
			if q.Index == p.Index {
				found = true
				worst = math.Max(worst, math.Abs(p.Prob-q.Prob))
				if i != j {
					moved++
				}
			}
		}
		if !found {
			moved++
		}
	}
	s := fmt.Sprintf("The top-1 is %s (%s) with int8 weights and %s (%s) with float32 weights. ", a[0].Label, Percent(a[0].Prob), b[0].Label, Percent(b[0].Prob))
	if a[0].Index == b[0].Index {
		s = fmt.Sprintf("Same top-1 with both: %s (%s with int8, %s with float32). ", a[0].Label, Percent(a[0].Prob), Percent(b[0].Prob))
	}
	if moved == 0 {
		s += "The top-5 keeps its order"
	} else {
		s += fmt.Sprintf("%d of the top-5 classes change rank or leave it", moved)
	}
	return s + fmt.Sprintf("; probabilities move by at most %.2f percentage points.", 100*worst)
}

// Int8ChartURL is the output error of each conv and fc layer, in percent.
func (c *Lessons) Int8ChartURL() string {
	r, _, _ := c.int8Report()
	if r == nil || len(r.Layers) == 0 {
		return ""
	}
	bars := make([]chart.Bar, len(r.Layers))
	for i, le := range r.Layers {
		bars[i] = chart.Bar{Label: le.Name, Value: 100 * le.RelErr, Group: le.Kind}
	}
	tw, _ := c.twin()
	return c.barsURL("int8", c.runKey()+"|"+tw.SHA256, chart.BarChart{
		Title:      fmt.Sprintf("Output error of each layer of %s with int8 weights, on this image", r.Model),
		Bars:       bars,
		Value:      chart.Axis{Label: "||int8 - float32|| / ||float32||", Unit: "%"},
		Category:   "layer",
		Horizontal: true,
	})
}

// Int8Layers are the report's rows.
func (c *Lessons) Int8Layers() []protocol.LayerError {
	r, _, _ := c.int8Report()
	if r == nil {
		return nil
	}
	return r.Layers
}

// Num is a number with every digit, for data-* attributes.
func Num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Sig3 is a number with three significant digits, for the tables.
func Sig3(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// ErrPercent is errPercent for the markup.
func ErrPercent(v float64) string { return errPercent(v) }

// Int8DepthText says, from the report, how the error behaves with depth
// and why.
func (c *Lessons) Int8DepthText() string {
	r, _, _ := c.int8Report()
	if r == nil || len(r.Layers) == 0 {
		return ""
	}
	first, last := r.Layers[0], r.Layers[len(r.Layers)-1]
	top := first
	var wsum float64
	for _, le := range r.Layers {
		if le.RelErr > top.RelErr {
			top = le
		}
		wsum += le.WeightErr
	}
	wmean := wsum / float64(len(r.Layers))
	s := fmt.Sprintf("After the first layer (%s) the output is off by %s; after the last (%s, the logits) by %s; the largest error is %s, at %s. ",
		first.Name, errPercent(first.RelErr), last.Name, errPercent(last.RelErr), errPercent(top.RelErr), top.Name)
	s += fmt.Sprintf("Each layer rounds its own weights (%s on average here) and also receives the error of every layer before it: ReLU, pooling and the next convolutions carry it forward. ", errPercent(wmean))
	ratio := last.RelErr / math.Max(first.RelErr, 1e-300)
	switch {
	case len(r.Layers) == 1:
	case ratio >= 1.5:
		s += fmt.Sprintf("Here it grows with depth, %.1f times from the first layer to the last: the errors add up faster than the layers average them out.", ratio)
	case ratio <= 1/1.5:
		s += fmt.Sprintf("Here it shrinks with depth, to %.2f of the first layer's: later layers average many rounded products, and the errors of different weights partly cancel.", ratio)
	default:
		s += fmt.Sprintf("Here it stays about the same with depth (%.2f times the first layer's at the end): per-channel scales keep each layer's rounding as small as its weights allow, and independent rounding errors partly cancel instead of adding up.", ratio)
	}
	return s
}
