package session

import (
	"maps"
	"slices"

	"convscope/engine"
)

// compilePart compiles shard opt.Shard of g, whose weights are views of
// the model file the session holds anyway (models.LoadBytes keeps int8
// weights in place). Compile would copy the part of each weight it splits
// (so that a helper can drop its file); here the part is handed over in
// Options.Shard.Parts as a view of the file wherever it is a run of whole
// rows (conv weights, fc weights stored (out, in)), so the engine worker
// of a split model holds no second copy of its share of the weights. g is
// not modified.
func compilePart(g *engine.Graph, opt engine.Options) (*engine.Program, error) {
	infos := make(map[string]engine.ConstInfo, len(g.Consts))
	for name, c := range g.Consts {
		ci := engine.ConstInfo{Shape: c.Shape}
		if c.Int8 != nil {
			ci.Int8, ci.Axis = true, c.Int8.Axis
		}
		infos[name] = ci
	}
	parts, err := engine.ShardParts(g, infos, opt)
	if err != nil {
		return nil, err
	}
	sg := *g
	sg.Consts = maps.Clone(g.Consts)
	for name, pt := range parts {
		if pt.Hi == pt.Lo {
			delete(sg.Consts, name) // this shard computes none of its channels
			continue
		}
		sg.Consts[name] = partOf(g.Consts[name], pt)
	}
	opt.Shard.Parts = parts
	return engine.Compile(&sg, opt)
}

// partOf returns indices [pt.Lo, pt.Hi) along pt.Axis of t (see
// engine.Part): a view of t's values for rows (axis 0), a copy for the
// columns of a 2-D weight (axis 1). Int8 scales along the same axis are cut
// alike.
func partOf(t *engine.Tensor, pt engine.Part) *engine.Tensor {
	rows := t.Shape[0]
	cols := t.Len() / rows
	shape := slices.Clone(t.Shape)
	shape[pt.Axis] = pt.Hi - pt.Lo
	cut := func(n int) (lo, hi int) { return pt.Lo * n, pt.Hi * n }
	out := &engine.Tensor{Shape: shape}
	if t.Int8 != nil {
		q := t.Int8.Q
		if pt.Axis == 0 {
			lo, hi := cut(cols)
			q = q[lo:hi:hi]
		} else {
			q = columns(q, rows, cols, pt.Lo, pt.Hi)
		}
		sc := t.Int8.Scales
		if t.Int8.Axis == pt.Axis {
			sc = sc[pt.Lo:pt.Hi:pt.Hi]
		}
		out.Int8 = &engine.Int8{Q: q, Scales: sc, Axis: t.Int8.Axis}
		return out
	}
	if pt.Axis == 0 {
		lo, hi := cut(cols)
		out.Data = t.Data[lo:hi:hi]
	} else {
		out.Data = columns(t.Data, rows, cols, pt.Lo, pt.Hi)
	}
	return out
}

// columns copies columns [lo, hi) of the rows x cols matrix v.
func columns[T int8 | float32](v []T, rows, cols, lo, hi int) []T {
	out := make([]T, 0, rows*(hi-lo))
	for r := range rows {
		out = append(out, v[r*cols+lo:r*cols+hi]...)
	}
	return out
}
