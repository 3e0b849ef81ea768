package web

import (
	"fmt"
	"strconv"

	"convscope/web/lessons"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// The stacked-3x3 lesson (VGG's idea): the receptive field of a chosen
// unit, computed from the layer graph and drawn on the input image; the
// parameters of n stacked kxk convolutions against the one big kernel
// with the same field, for the model's real channel count; and the width
// doubling after each downsampling.

// fields are the receptive fields of the loaded model, computed once per
// model.
func (c *Lessons) fields() (map[string]lessons.Field, error) {
	l := c.info()
	if l == nil {
		return nil, nil
	}
	if c.fieldsFor != l {
		c.fieldsFor = l
		c.fieldMap, c.fieldErr = lessons.ReceptiveFields(l)
	}
	return c.fieldMap, c.fieldErr
}

// FieldLayers are the layers whose units have a field on the image: conv
// and pooling layers with map outputs.
func (c *Lessons) FieldLayers() []protocol.LayerInfo {
	fs, _ := c.fields()
	var out []protocol.LayerInfo
	if l := c.info(); l != nil {
		for _, li := range l.Layers {
			switch li.Kind {
			case "conv", "maxpool", "avgpool":
			default:
				continue
			}
			if _, ok := fs[li.Name]; ok && len(li.Shape) == 4 {
				out = append(out, li)
			}
		}
	}
	return out
}

// fieldLayer is the chosen layer: the user's, else the viewer's, else the
// third conv of the table (three 3x3 convs in a row see 7x7).
func (c *Lessons) fieldLayer() (protocol.LayerInfo, bool) {
	layers := c.FieldLayers()
	if len(layers) == 0 {
		return protocol.LayerInfo{}, false
	}
	if li, ok := chosen(layers, c.FieldLayer, c.Root.Layer); ok {
		return li, true
	}
	n := 0
	for _, li := range layers {
		if li.Kind == "conv" {
			if n++; n == 3 {
				return li, true
			}
		}
	}
	return layers[0], true
}

// FieldName is the chosen layer's name.
func (c *Lessons) FieldName() string { li, _ := c.fieldLayer(); return li.Name }

// FieldMax is the largest unit index on axis a (0 rows, 1 columns).
func (c *Lessons) FieldMax(a int) int {
	li, ok := c.fieldLayer()
	if !ok {
		return 0
	}
	return li.Shape[2+a] - 1
}

// FieldPos is the chosen unit's index on axis a (the centre by default).
func (c *Lessons) FieldPos(a int) int {
	v := c.FieldY
	if a == 1 {
		v = c.FieldX
	}
	if v < 0 {
		return c.FieldMax(a) / 2
	}
	return min(v, c.FieldMax(a))
}

// SetFieldLayer, SetFieldY and SetFieldX are the controls.
func (c *Lessons) SetFieldLayer(event vugu.DOMEvent) {
	c.FieldLayer, c.FieldY, c.FieldX = event.PropString("target", "value"), -1, -1
}

func (c *Lessons) SetFieldY(event vugu.DOMEvent) {
	c.FieldY = clampInt(event.PropString("target", "value"), 0, c.FieldMax(0))
}

func (c *Lessons) SetFieldX(event vugu.DOMEvent) {
	c.FieldX = clampInt(event.PropString("target", "value"), 0, c.FieldMax(1))
}

// inputSize is the model's input (crop) size.
func (c *Lessons) inputSize() (h, w int) {
	if r := c.result(); r != nil && r.View.W > 0 {
		return r.View.H, r.View.W
	}
	if l := c.info(); l != nil {
		return l.Crop, l.Crop
	}
	return 0, 0
}

// fieldBox is the chosen unit's field and its box on the input.
func (c *Lessons) fieldBox() (f lessons.Field, y0, x0, y1, x1 int, ok bool) {
	li, ok := c.fieldLayer()
	if !ok {
		return f, 0, 0, 0, 0, false
	}
	fs, _ := c.fields()
	f, ok = fs[li.Name]
	if !ok {
		return f, 0, 0, 0, 0, false
	}
	h, w := c.inputSize()
	y0, x0, y1, x1 = f.Box(c.FieldPos(0), c.FieldPos(1), h, w)
	return f, y0, x0, y1, x1, true
}

// FieldSize is the field's size, "7x7", for the caption and tests.
func (c *Lessons) FieldSize() string {
	f, _, _, _, _, ok := c.fieldBox()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%dx%d", f.Size[0], f.Size[1])
}

// FieldCaption describes the outlined window.
func (c *Lessons) FieldCaption() string {
	f, y0, x0, y1, x1, ok := c.fieldBox()
	if !ok {
		return ""
	}
	clip := ""
	if y1-y0 < f.Size[0] || x1-x0 < f.Size[1] {
		clip = fmt.Sprintf(" (%dx%d inside the image: the rest is padding)", y1-y0, x1-x0)
	}
	return fmt.Sprintf("Unit (%d, %d) of %s sees a %dx%d window%s: rows %d-%d, columns %d-%d of the input.",
		c.FieldPos(0), c.FieldPos(1), c.FieldName(), f.Size[0], f.Size[1], clip, y0, y1-1, x0, x1-1)
}

// FieldURL is the window drawn on the model's view of the image.
func (c *Lessons) FieldURL() string {
	r := c.result()
	_, y0, x0, y1, x1, ok := c.fieldBox()
	if r == nil || !ok {
		return ""
	}
	key := fmt.Sprintf("%s|%d|%d|%d|%d", c.runKey(), y0, x0, y1, x1)
	return c.pngURL("field", key, func() []byte {
		return BoxPNG(r.View, y0, x0, y1, x1, max(1, 256/max(r.View.W, r.View.H)))
	})
}

// FieldNote says why there is no picture.
func (c *Lessons) FieldNote() string {
	if _, err := c.fields(); err != nil {
		return "The receptive fields cannot be computed from this model's layer table: " + err.Error()
	}
	if c.result() == nil {
		return NeedsImage
	}
	return ""
}

// stackedLayer is the conv whose channel count C the comparison uses: the
// chosen layer if it is a conv from C to C channels, else the first such
// 3x3 conv of the model.
func (c *Lessons) stackedLayer() (protocol.LayerInfo, bool) {
	same := func(li protocol.LayerInfo) bool {
		return li.Kind == "conv" && len(li.InShape) == 4 && len(li.Shape) == 4 && li.InShape[1] == li.Shape[1]
	}
	if li, ok := c.fieldLayer(); ok && same(li) {
		return li, true
	}
	for _, li := range c.ConvLayers() {
		if same(li) && len(li.Kernel) == 2 && li.Kernel[0] == 3 && li.Kernel[1] == 3 {
			return li, true
		}
	}
	for _, li := range c.ConvLayers() {
		if same(li) {
			return li, true
		}
	}
	return protocol.LayerInfo{}, false
}

// StackedC is the channel count of the comparison (0 when the model has no
// conv from C to C channels).
func (c *Lessons) StackedC() int {
	li, ok := c.stackedLayer()
	if !ok {
		return 0
	}
	return li.Shape[1]
}

// Stacked convolutions compared: three 3x3 against one 7x7.
const stackN, stackK = 3, 3

// StackedCounts are the weights of stackN stacked stackK x stackK convs
// from C to C channels and of the single conv with the same field.
func (c *Lessons) StackedCounts() [2]int64 {
	C := c.StackedC()
	if C == 0 {
		return [2]int64{}
	}
	s, one := lessons.Stacked(C, stackN, stackK)
	return [2]int64{s, one}
}

// StackedText compares the two for the real C.
func (c *Lessons) StackedText() string {
	li, ok := c.stackedLayer()
	if !ok {
		return "This model has no convolution from C to C channels to compare with."
	}
	C := li.Shape[1]
	side := stackN*(stackK-1) + 1
	n := c.StackedCounts()
	return fmt.Sprintf("%d stacked %dx%d convolutions see a %dx%d window, like one %dx%d convolution, with %d more non-linearities between them. "+
		"With C = %d channels in and out (as in %s): %d x %d x %d² = %s weights for the stack against %d x %d² = %s for the single layer, %.0f %% fewer.",
		stackN, stackK, stackK, side, side, side, side, stackN-1,
		C, li.Name, stackN, stackK*stackK, C, Group(n[0]), side*side, C, Group(n[1]), 100*(1-float64(n[0])/float64(n[1])))
}

// Widths are the model's stages (maps of one size) with their channels.
func (c *Lessons) Widths() []lessons.Width { return lessons.WidthSteps(c.info()) }

// WidthSize is a stage's map size and where it comes from.
func (c *Lessons) WidthSize(w lessons.Width) string {
	if w.Reduce == "" {
		return fmt.Sprintf("%dx%d", w.H, w.W)
	}
	return fmt.Sprintf("%dx%d (%s from %dx%d)", w.H, w.W, w.Reduce, w.From[0], w.From[1])
}

// WidthChannels lists a stage's widths in order, without repeats.
func (c *Lessons) WidthChannels(w lessons.Width) string {
	out := ""
	for i, ch := range w.Channels {
		if i > 0 && ch == w.Channels[i-1] {
			continue
		}
		if out != "" {
			out += " → "
		}
		out += strconv.Itoa(ch)
	}
	return out
}

// WidthFirst is a stage's first layer.
func (c *Lessons) WidthFirst(w lessons.Width) string {
	if len(w.Layers) == 0 {
		return ""
	}
	return w.Layers[0]
}

// WidthText sums the stages up: the sizes shrink, and at each reduction
// the width doubles, grows or stays, as this model's table has it.
func (c *Lessons) WidthText() string {
	ws := c.Widths()
	if len(ws) < 2 {
		return ""
	}
	sizes, widths := "", ""
	doubled := 0
	for i, w := range ws {
		if i > 0 {
			sizes += " → "
			widths += " → "
			if w.Out() == 2*ws[i-1].Out() {
				doubled++
			}
		}
		sizes += fmt.Sprintf("%dx%d", w.H, w.W)
		widths += strconv.Itoa(w.Out())
	}
	return fmt.Sprintf("Stage by stage the maps shrink (%s) and the channels go %s: the width doubles at %d of the %d reductions. "+
		"Halving the map's side leaves a quarter of the positions; doubling the channels keeps a layer's work about the same, and the features richer.",
		sizes, widths, doubled, len(ws)-1)
}
