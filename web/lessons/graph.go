package lessons

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"convscope/web/protocol"
)

// InputName is the name LayerInfo.Inputs uses for the image itself.
const InputName = "input"

// graph indexes a model's layer table by layer name.
type graph struct {
	l       *protocol.Loaded
	index   map[string]int
	readers map[string]bool // names some layer reads (built on first use)
}

// newGraph indexes l, rejecting what would make every lesson ambiguous: no
// table, or two layers with one name.
func newGraph(l *protocol.Loaded) (*graph, error) {
	if l == nil {
		return nil, errors.New("lessons: no model is loaded")
	}
	if len(l.Layers) == 0 {
		return nil, fmt.Errorf("lessons: model %s has no layer table", l.Name)
	}
	g := &graph{l: l, index: make(map[string]int, len(l.Layers))}
	for i, li := range l.Layers {
		if li.Name == "" {
			return nil, fmt.Errorf("lessons: model %s: layer %d has no name", l.Name, i)
		}
		if li.Name == InputName {
			return nil, fmt.Errorf("lessons: model %s: a layer is named %q, the name of the image", l.Name, InputName)
		}
		if _, dup := g.index[li.Name]; dup {
			return nil, fmt.Errorf("lessons: model %s: two layers are named %q", l.Name, li.Name)
		}
		g.index[li.Name] = i
	}
	return g, nil
}

// layer returns the row named name, or nil.
func (g *graph) layer(name string) *protocol.LayerInfo {
	if i, ok := g.index[name]; ok {
		return &g.l.Layers[i]
	}
	return nil
}

// inputs returns the names li reads, checking that each is a layer of the
// table or the image.
func (g *graph) inputs(li *protocol.LayerInfo) ([]string, error) {
	if len(li.Inputs) == 0 {
		return nil, fmt.Errorf("lessons: layer %s has no inputs: the model's layer graph is missing", li.Name)
	}
	for _, in := range li.Inputs {
		if in != InputName && g.layer(in) == nil {
			return nil, fmt.Errorf("lessons: layer %s reads %q, which is not a layer of model %s", li.Name, in, g.l.Name)
		}
	}
	return li.Inputs, nil
}

// shapeOf returns the output shape of producer name as seen by consumer
// li: a layer's Shape, or for the image li's InShape (when set) or
// (1, 3, Crop, Crop).
func (g *graph) shapeOf(name string, li *protocol.LayerInfo) ([]int, error) {
	if name != InputName {
		return g.layer(name).Shape, nil
	}
	if len(li.InShape) > 0 {
		return li.InShape, nil
	}
	if g.l.Crop > 0 {
		return []int{1, 3, g.l.Crop, g.l.Crop}, nil
	}
	return nil, fmt.Errorf("lessons: layer %s reads the image, but neither its InShape nor the model's crop size is known", li.Name)
}

// inShape returns the output shape of the layer li reads first, checking
// that li's InShape, when set, holds as many values.
func (g *graph) inShape(li *protocol.LayerInfo) ([]int, error) {
	ins, err := g.inputs(li)
	if err != nil {
		return nil, err
	}
	s, err := g.shapeOf(ins[0], li)
	if err != nil {
		return nil, err
	}
	// The edges skip reshapes (flatten, dropout), so an fc layer reads
	// "avgpool" (N, C, H, W) while its InShape is (N, C*H*W): the same
	// values. The producer's shape is the one that says which units feed
	// which.
	if len(li.InShape) > 0 && !slices.Equal(li.InShape, s) {
		a, errA := units(li.InShape)
		b, errB := units(s)
		if errA != nil || errB != nil || a != b {
			return nil, fmt.Errorf("lessons: layer %s says its input is %v, but %s outputs %v", li.Name, li.InShape, ins[0], s)
		}
	}
	return s, nil
}

// spatial returns (C, H, W) of a 4-D (N, C, H, W) shape.
func spatial(shape []int) (c, h, w int, ok bool) {
	if len(shape) != 4 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1 {
		return 0, 0, 0, false
	}
	return shape[1], shape[2], shape[3], true
}

// units is the number of values of one image's slice of shape (every
// dimension but the batch).
func units(shape []int) (int64, error) {
	if len(shape) < 2 {
		return 0, fmt.Errorf("shape %v has no dimension besides the batch", shape)
	}
	n := int64(1)
	for _, d := range shape[1:] {
		if d < 1 {
			return 0, fmt.Errorf("shape %v has a dimension < 1", shape)
		}
		var err error
		if n, err = mul(n, int64(d)); err != nil {
			return 0, fmt.Errorf("shape %v: %w", shape, err)
		}
	}
	return n, nil
}

// mul multiplies non-negative counts, failing instead of wrapping around.
func mul(a int64, bs ...int64) (int64, error) {
	for _, b := range bs {
		if a < 0 || b < 0 {
			return 0, fmt.Errorf("negative count in %d * %d", a, b)
		}
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("count %d * %d overflows", a, b)
		}
		a = int64(lo)
	}
	return a, nil
}

// resultStats checks that r is a run of g's model and returns its
// per-layer statistics by layer name.
func (g *graph) resultStats(r *protocol.Result) (map[string]protocol.LayerStat, error) {
	if r.Model != "" && g.l.Name != "" && r.Model != g.l.Name {
		return nil, fmt.Errorf("lessons: the last result is of model %s, the loaded model is %s", r.Model, g.l.Name)
	}
	stats := make(map[string]protocol.LayerStat, len(r.Stats))
	for _, s := range r.Stats {
		if g.layer(s.Name) == nil {
			return nil, fmt.Errorf("lessons: the last result has statistics of %q, which is not a layer of model %s", s.Name, g.l.Name)
		}
		stats[s.Name] = s
	}
	return stats, nil
}
