package lessons

import (
	"fmt"
	"math"

	"convscope/web/protocol"
)

// Field is the receptive field of the units of one layer's output: the
// square (or rectangle) of input pixels that can influence one unit.
// Index 0 is the vertical axis, 1 the horizontal one.
type Field struct {
	// Size is the field's height and width in input pixels, padding
	// included (a field near the border hangs over it; Box clips).
	Size [2]int
	// Jump is the distance in input pixels between the fields of two
	// neighbouring units: the product of the strides so far.
	Jump [2]int
	// Start is the centre of unit (0, 0)'s field in input pixel
	// coordinates (pixel i spans [i-0.5, i+0.5]); it is negative when
	// padding shifts the field up or left, and ends in .5 after a kernel
	// of even size.
	Start [2]float64
}

// Box returns the input pixels seen by output unit (y, x): rows y0..y1-1
// and columns x0..x1-1 (half-open), clipped to an inH x inW image. For a
// layer whose output is not a map (fc, flatten) pass y = x = 0: its single
// "unit" sees the union of all its input units' fields.
func (f Field) Box(y, x, inH, inW int) (y0, x0, y1, x1 int) {
	lo := func(a, i int) int {
		c := f.Start[a] + float64(i*f.Jump[a])
		return int(math.Floor(c - float64(f.Size[a]-1)/2 + 0.5))
	}
	y0, x0 = lo(0, y), lo(1, x)
	y1, x1 = y0+f.Size[0], x0+f.Size[1]
	clip := func(v, n int) int { return min(max(v, 0), n) }
	return clip(y0, inH), clip(x0, inW), clip(y1, inH), clip(x1, inW)
}

// ReceptiveFields returns the receptive field of every layer of l, by
// layer name, following the layer graph (LayerInfo.Inputs) from the image.
//
// The recurrence is the standard one, per axis, for a layer with kernel k,
// dilation d, stride s and leading padding p reading a field (size, jump,
// start):
//
//	size  += (d*(k-1)) * jump
//	start += (d*(k-1)/2 - p) * jump
//	jump  *= s
//
// Layers that slide no window (ReLU, batch norm, dropout, LRN) keep their
// input's field. A layer that turns a map into a vector (flatten, an fc on
// a map) sees all of it, like global pooling. A layer with several inputs
// (Add of a residual block, Concat of an inception module) gets the union
// of its inputs' fields, which is the largest of them whenever the
// branches are centred alike (every residual block and inception module
// is); inputs with different jumps are an error, as they cannot be summed
// or concatenated unit by unit.
func ReceptiveFields(l *protocol.Loaded) (map[string]Field, error) {
	g, err := newGraph(l)
	if err != nil {
		return nil, err
	}
	fields := make(map[string]Field, len(l.Layers))
	visiting := map[string]bool{}
	var visit func(name string) (Field, error)
	visit = func(name string) (Field, error) {
		if name == InputName {
			return Field{Size: [2]int{1, 1}, Jump: [2]int{1, 1}}, nil
		}
		if f, ok := fields[name]; ok {
			return f, nil
		}
		if visiting[name] {
			return Field{}, fmt.Errorf("lessons: the layer graph of model %s has a cycle through %s", l.Name, name)
		}
		visiting[name] = true
		li := g.layer(name)
		ins, err := g.inputs(li)
		if err != nil {
			return Field{}, err
		}
		in := make([]Field, len(ins))
		for i, n := range ins {
			if in[i], err = visit(n); err != nil {
				return Field{}, err
			}
		}
		f, err := g.fieldStep(li, ins, in)
		if err != nil {
			return Field{}, err
		}
		fields[name] = f
		return f, nil
	}
	for i := range l.Layers {
		if _, err := visit(l.Layers[i].Name); err != nil {
			return nil, err
		}
	}
	return fields, nil
}

// fieldStep is one layer of the recurrence: li reads the layers ins, whose
// fields are in.
func (g *graph) fieldStep(li *protocol.LayerInfo, ins []string, in []Field) (Field, error) {
	if len(ins) > 1 {
		return g.mergeFields(li, ins, in)
	}
	inShape, err := g.inShape(li)
	if err != nil {
		return Field{}, err
	}
	w, has, err := windowOf(li, inShape, li.Shape)
	if err != nil {
		return Field{}, err
	}
	_, ih, iw, in4 := spatial(inShape)
	_, oh, ow, out4 := spatial(li.Shape)
	switch {
	case has:
	case in4 && !out4:
		// Every output value reads every input unit: one window over all.
		w = window{k: [2]int{ih, iw}, s: [2]int{1, 1}, d: [2]int{1, 1}}
	case in4 && (ih != oh || iw != ow):
		return Field{}, fmt.Errorf("lessons: layer %s (%s) changes the size %dx%d -> %v but has no kernel geometry", li.Name, li.Kind, ih, iw, li.Shape)
	default:
		return in[0], nil
	}
	f := in[0]
	for a := range 2 {
		e := w.extent(a) - 1
		f.Size[a] += e * f.Jump[a]
		f.Start[a] += (float64(e)/2 - float64(w.pads[a])) * float64(f.Jump[a])
		f.Jump[a] *= w.s[a]
	}
	return f, nil
}

// mergeFields is the union of the fields of a layer with several inputs.
func (g *graph) mergeFields(li *protocol.LayerInfo, ins []string, in []Field) (Field, error) {
	_, oh, ow, out4 := spatial(li.Shape)
	for i, n := range ins {
		s, err := g.shapeOf(n, li)
		if err != nil {
			return Field{}, err
		}
		if _, h, w, ok := spatial(s); out4 && (!ok || h != oh || w != ow) {
			return Field{}, fmt.Errorf("lessons: layer %s (%s) outputs %dx%d maps but its input %s is %v", li.Name, li.Kind, oh, ow, n, s)
		}
		if in[i].Jump != in[0].Jump {
			return Field{}, fmt.Errorf("lessons: layer %s (%s) merges %s (stride %v so far) with %s (stride %v): the units do not line up",
				li.Name, li.Kind, ins[0], in[0].Jump, n, in[i].Jump)
		}
	}
	f := Field{Jump: in[0].Jump}
	for a := range 2 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range in {
			r := float64(x.Size[a]-1) / 2
			lo, hi = math.Min(lo, x.Start[a]-r), math.Max(hi, x.Start[a]+r)
		}
		f.Size[a] = int(math.Round(hi-lo)) + 1
		f.Start[a] = (lo + hi) / 2
	}
	return f, nil
}
