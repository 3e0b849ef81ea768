package web

import (
	"fmt"
	"strconv"
	"strings"

	"convscope/web/lessons"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// The convolution lesson: parameter sharing (a conv layer's parameters
// against a fully connected layer with the same input and output sizes)
// and one real kernel sliding over one real input map.

// ConvLayers lists the model's conv layers.
func (c *Lessons) ConvLayers() []protocol.LayerInfo { return c.layersOfKind("conv") }

// convLayer is the chosen conv layer: the user's choice, else the layer
// shown in the viewer if it is a conv, else the first conv that reads
// another layer's maps (the image conv has only 3 input channels).
func (c *Lessons) convLayer() (protocol.LayerInfo, bool) {
	convs := c.ConvLayers()
	if len(convs) == 0 {
		return protocol.LayerInfo{}, false
	}
	if li, ok := chosen(convs, c.ConvLayer, c.Root.Layer); ok {
		return li, true
	}
	for _, li := range convs {
		if len(li.InShape) == 4 && li.InShape[1] > 3 {
			return li, true
		}
	}
	return convs[0], true
}

// ConvName is the chosen conv layer's name ("" when the model has none).
func (c *Lessons) ConvName() string {
	li, _ := c.convLayer()
	return li.Name
}

// SetConvLayer, SetConvOut and SetConvIn are the controls' change events.
func (c *Lessons) SetConvLayer(event vugu.DOMEvent) {
	c.ConvLayer = event.PropString("target", "value")
	c.ConvOut, c.ConvIn = 0, -1
}

func (c *Lessons) SetConvOut(event vugu.DOMEvent) {
	c.ConvOut = clampInt(event.PropString("target", "value"), 0, c.ConvOutMax())
}

func (c *Lessons) SetConvIn(event vugu.DOMEvent) {
	c.ConvIn = clampInt(event.PropString("target", "value"), 0, c.ConvInMax())
}

// clampInt parses a control's value into [lo, hi] (lo when it is not a
// number).
func clampInt(s string, lo, hi int) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		return lo
	}
	return max(lo, min(hi, v))
}

// ConvOutMax and ConvInMax are the largest channel numbers of the chosen
// layer's output and (per group) input.
func (c *Lessons) ConvOutMax() int {
	li, ok := c.convLayer()
	if !ok || len(li.Shape) < 2 {
		return 0
	}
	return li.Shape[1] - 1
}

func (c *Lessons) ConvInMax() int {
	li, ok := c.convLayer()
	if !ok || len(li.InShape) < 2 {
		return 0
	}
	return li.InShape[1]/max(1, li.Group) - 1
}

// ConvCounts are the chosen layer's parameters and those of a fully
// connected layer from the same input to the same output.
func (c *Lessons) ConvCounts() (conv, fc int64) {
	li, ok := c.convLayer()
	if !ok {
		return 0, 0
	}
	return lessons.ConvVsFC(li)
}

// ConvParams and FCParams are ConvCounts for the page (data attributes).
func (c *Lessons) ConvParams() int64 { n, _ := c.ConvCounts(); return n }
func (c *Lessons) FCParams() int64   { _, n := c.ConvCounts(); return n }

// ConvText explains the two counts.
func (c *Lessons) ConvText() string {
	li, ok := c.convLayer()
	if !ok {
		return "This model has no convolution layer."
	}
	conv, fc := c.ConvCounts()
	if conv <= 0 || fc <= 0 || len(li.InShape) != 4 || len(li.Shape) != 4 {
		return fmt.Sprintf("%s: the layer table has no input shape for it, so the comparison cannot be computed.", li.Name)
	}
	k := "?"
	if len(li.Kernel) == 2 {
		k = fmt.Sprintf("%dx%d", li.Kernel[0], li.Kernel[1])
	}
	return fmt.Sprintf("%s slides %d kernels of %s over its %d input channels: %s parameters, the same at each of its %dx%d output positions. "+
		"A fully connected layer from the same %s input to the same %s output would need %s parameters, %s times as many.",
		li.Name, li.Shape[1], k, li.InShape[1], Group(conv), li.Shape[2], li.Shape[3],
		Shape(li.InShape), Shape(li.Shape), Group(fc), Ratio(float64(fc)/float64(conv)))
}

// Group writes a count with thousands separators: 1,234,567.
func Group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Ratio writes a ratio with three significant digits, or grouped when
// large: 2.25, 113, 12,800.
func Ratio(r float64) string {
	if r >= 1000 {
		return Group(int64(r + 0.5))
	}
	return trim(r)
}

// ConvInShown is the input channel shown (for the number input).
func (c *Lessons) ConvInShown() int {
	in, _, _ := c.convIn()
	return in
}

// convIn is the input channel the slide shows: the user's, else the
// channel of the layer's input that varies most on this image (the
// widest range of values), so the first picture is not a dead map.
func (c *Lessons) convIn() (int, error, bool) {
	li, ok := c.convLayer()
	if !ok {
		return 0, nil, false
	}
	if c.ConvIn >= 0 {
		return min(c.ConvIn, c.ConvInMax()), nil, false
	}
	src, ok := c.layer(firstOf(li.Inputs))
	if !ok || !src.Maps || max(1, li.Group) > 1 || c.result() == nil {
		return 0, nil, false
	}
	v, err, busy := c.fetch("conv-in", c.runKey()+"|"+src.Name, func() (any, error) { return c.Root.Host.Activations(src.Name) })
	m, _ := v.(*protocol.Maps)
	if busy || err != nil || m == nil {
		return 0, err, busy
	}
	best := 0
	for ch := range m.Min {
		if m.Max[ch]-m.Min[ch] > m.Max[best]-m.Min[best] {
			best = ch
		}
	}
	return min(best, c.ConvInMax()), nil, false
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// slides is the chosen kernel's slide on the last image (busy or failed:
// nil, with the reason in SlideNote).
func (c *Lessons) slides() (*protocol.Slides, error, bool) {
	li, ok := c.convLayer()
	if !ok || c.result() == nil {
		return nil, nil, false
	}
	in, err, busy := c.convIn()
	if busy || err != nil {
		return nil, err, busy
	}
	out := min(c.ConvOut, c.ConvOutMax())
	key := fmt.Sprintf("%s|%s|%d|%d", c.runKey(), li.Name, out, in)
	v, err, busy := c.fetch("slide", key, func() (any, error) { return c.Root.Host.Slide(li.Name, out, in) })
	s, _ := v.(*protocol.Slides)
	return s, err, busy
}

// SlideURL is the animation of the kernel sliding over its input map.
func (c *Lessons) SlideURL() string {
	s, _, _ := c.slides()
	if s == nil {
		return ""
	}
	key := fmt.Sprintf("%s|%d|%d|%d", s.Layer, s.Out, s.In, c.Root.Runs)
	return c.svgURL("slide", key, func() string {
		cell := max(3, min(12, 256/max(s.Input.W, s.Input.H)))
		return string(SlideSVG(s, cell))
	})
}

// OutputURL is the layer's real output channel: the sum of every input
// channel's slide, plus the bias, after the ReLU when one is fused.
func (c *Lessons) OutputURL() string {
	s, _, _ := c.slides()
	if s == nil {
		return ""
	}
	key := fmt.Sprintf("%s|%d|%d", s.Layer, s.Out, c.Root.Runs)
	return c.pngURL("slide-out", key, func() []byte { return GridPNG(s.Output, 1) })
}

// KernelURL is the kernel's weights, enlarged.
func (c *Lessons) KernelURL() string {
	s, _, _ := c.slides()
	if s == nil {
		return ""
	}
	key := fmt.Sprintf("%s|%d|%d", s.Layer, s.Out, s.In)
	return c.pngURL("slide-kernel", key, func() []byte { return GridPNG(s.Kernel, 1) })
}

// KernelText lists the kernel's weights, row by row.
func (c *Lessons) KernelText() string {
	s, _, _ := c.slides()
	if s == nil {
		return ""
	}
	rows := make([]string, s.Kernel.H)
	for y := range rows {
		for x := 0; x < s.Kernel.W; x++ {
			if x > 0 {
				rows[y] += " "
			}
			rows[y] += strconv.FormatFloat(float64(s.Kernel.Values[y*s.Kernel.W+x]), 'f', 3, 32)
		}
	}
	return fmt.Sprintf("Its %dx%d weights: %s.", s.Kernel.H, s.Kernel.W, strings.Join(rows, " / "))
}

// SlideNote says what the animation shows, or why there is none.
func (c *Lessons) SlideNote() string {
	if c.result() == nil {
		return NeedsImage
	}
	s, err, busy := c.slides()
	switch {
	case busy:
		return "Computing the kernel's slide..."
	case err != nil:
		return "Could not compute the slide: " + err.Error()
	case s == nil:
		return ""
	}
	return fmt.Sprintf("Kernel %d<-%d of %s (%dx%d, stride %s) slides over input channel %d (%dx%d) and gives a %dx%d map. "+
		"Output channel %d is the sum of %d such maps, one per input channel, plus a bias: the map on the right.",
		s.Out, s.In, s.Layer, s.Kernel.W, s.Kernel.H, ints(s.Stride), s.In, s.Input.W, s.Input.H, s.Partial.W, s.Partial.H,
		s.Out, s.InCh)
}

func ints(v []int) string {
	out := ""
	for i, x := range v {
		if i > 0 {
			out += "x"
		}
		out += strconv.Itoa(x)
	}
	return out
}
