package session

import (
	"context"
	"errors"
	"runtime"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/models/modelfile"
	"convscope/web/protocol"
)

// camHead is the end of a network that has an exact class activation map:
// global average pooling of the maps A (C, H, W), then one fully connected
// layer. Its logit for class c is alpha * sum_k w[c][k] * mean(A_k) + b[c]
// = mean over positions of alpha * sum_k w[c][k] * A_k(y, x) + b[c], so that
// sum, per position, is how much each place adds to the class (Zhou et al.
// 2016, "Learning Deep Features for Discriminative Localization").
type camHead struct {
	value string         // A, the global pooling's input
	layer string         // the table row whose output A is
	w     *engine.Tensor // the fc weight (int8 in a model file: read through Values)
	trans bool           // w is (classes, C); else (C, classes)
	alpha float32
}

// findCAM returns the network's CAM head, or nil when it does not end in
// global average pooling and one fully connected layer (its shapes are
// checked by fits, once the program is compiled).
func findCAM(ix *graphIndex, layers []modelfile.Layer) *camHead {
	out := ix.g.Outputs[0]
	fc := ix.producer[out]
	if fc != nil && fc.Op == engine.OpSoftmax && len(fc.Inputs) == 1 {
		fc = ix.producer[fc.Inputs[0]] // softmax keeps the order of the logits
	}
	if fc == nil || len(fc.Inputs) < 2 {
		return nil
	}
	h := &camHead{alpha: 1}
	switch fc.Op {
	case engine.OpGemm:
		p, ok := fc.Params.(*engine.GemmParams)
		if !ok || p.TransA {
			return nil
		}
		h.trans, h.alpha = p.TransB, p.Alpha
	case engine.OpMatMul:
	default:
		return nil
	}
	if h.w = ix.g.Consts[fc.Inputs[1]]; h.w == nil || len(h.w.Shape) != 2 {
		return nil
	}
	pool := ix.producer[ix.through(fc.Inputs[0])]
	if pool == nil || len(pool.Inputs) != 1 {
		return nil
	}
	switch pool.Op {
	case engine.OpGlobalAveragePool:
	case engine.OpAdaptiveAvgPool:
		if p, ok := pool.Params.(*engine.AdaptiveAvgPoolParams); !ok || p.Out != [2]int{1, 1} {
			return nil
		}
	default:
		return nil
	}
	h.value = pool.Inputs[0]
	// The row closest to the pooling names the maps (a folded batch norm
	// rather than its conv: the same values).
	for _, l := range layers {
		if l.Value == h.value {
			h.layer = l.Name
		}
	}
	if n := ix.producer[h.value]; h.layer == "" && n != nil {
		h.layer = n.Name
	}
	return h
}

// fits reports whether the maps (1, C, H, W) and the weight agree on C.
func (h *camHead) fits(shapes map[string][]int) bool {
	a := shapes[h.value]
	c := h.w.Shape[1]
	if !h.trans {
		c = h.w.Shape[0]
	}
	return len(a) == 4 && a[0] == 1 && a[1] == c
}

// cam computes the class activation map of class on the kept maps a.
func (h *camHead) cam(a *engine.Tensor, class int) *protocol.Heatmap {
	c, ht, wd := a.Shape[1], a.Shape[2], a.Shape[3]
	hw := ht * wd
	// The class's C weights, dequantized alone: a row of (classes, C), a
	// column of (C, classes).
	var row []float32
	if h.trans {
		row = h.w.Values(class*c, (class+1)*c)
	} else {
		classes := h.w.Shape[1]
		row = make([]float32, c)
		for k := range row {
			row[k] = h.w.Values(k*classes+class, k*classes+class+1)[0]
		}
	}
	acc := make([]float64, hw)
	for k, wk := range row {
		m := a.Data[k*hw : (k+1)*hw]
		for i, v := range m {
			acc[i] += float64(wk) * float64(v)
		}
	}
	vals := make([]float32, hw)
	for i, v := range acc {
		vals[i] = float32(float64(h.alpha) * v)
	}
	return &protocol.Heatmap{Class: class, Method: "cam", Layer: h.layer, W: wd, H: ht, Values: vals}
}

// MaxOcclusionRuns bounds the runs of an occlusion map (plus one on the
// whole image): 7 x 7 patch positions, so VGG16 in a browser answers in
// about a minute rather than ten.
const MaxOcclusionRuns = 64

// occlusionGrid chooses the occlusion geometry for a side x side input:
// stride s with side/s cells of the heatmap, a patch of two cells, and the
// patch positions (in input pixels, the last one flush with the edge).
// The stride divides the side when one near side/8 does, so the heatmap's
// cells tile the image exactly; otherwise the heatmap has one value per
// pixel.
func occlusionGrid(side int) (stride, patch, cell int, pos []int) {
	stride = (side + 7) / 8
	for d := stride; d <= stride+stride/2; d++ {
		if side%d == 0 {
			stride = d
			break
		}
	}
	patch = min(2*stride, side)
	for p := 0; ; p += stride {
		if p+patch >= side {
			pos = append(pos, side-patch)
			break
		}
		pos = append(pos, p)
	}
	cell = stride
	if side%stride != 0 {
		cell = 1
	}
	return stride, patch, cell, pos
}

// Explain returns where the current model looks for class on the last
// classified image: the exact class activation map when the network ends in
// global average pooling and one fully connected layer, otherwise occlusion
// sensitivity (one run per patch position: step is called after each
// executed node, to yield; progress, when not nil, after each position
// with the positions done and their total; ctx cancels).
func (s *Session) Explain(ctx context.Context, class int, step func(), progress func(done, total int)) (*protocol.Heatmap, error) {
	if s.model == nil {
		return nil, fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	if class < 0 || class >= len(s.model.Meta.Labels) {
		return nil, fail(protocol.CodeRequest, "class %d: model %s has %d classes", class, s.model.Meta.Name, len(s.model.Meta.Labels))
	}
	if s.kept == nil {
		return nil, fail(protocol.CodeNoResult, "classify an image first")
	}
	start := time.Now()
	var h *protocol.Heatmap
	if s.cam != nil {
		a := s.kept[s.cam.value]
		if a == nil {
			return nil, fail(protocol.CodeInternal, "the run kept no maps for layer %q", s.cam.layer)
		}
		h = s.cam.cam(a, class)
	} else {
		var err error
		if h, err = s.occlusion(ctx, class, step, progress); err != nil {
			return nil, err
		}
	}
	h.Ms = ms(time.Since(start))
	return h, nil
}

// occlusion hides each part of the last input in turn with a grey square
// (zero after normalisation: the dataset's mean colour) and records how
// much the class's probability drops. A heatmap cell's value is the mean
// drop over the patches that cover it.
func (s *Session) occlusion(ctx context.Context, class int, step func(), progress func(done, total int)) (*protocol.Heatmap, error) {
	x := s.x
	if len(x.Shape) != 4 || x.Shape[1] != 3 || x.Shape[2] != x.Shape[3] {
		return nil, fail(protocol.CodeInternal, "input shape %v is not a square RGB image", x.Shape)
	}
	side := x.Shape[2]
	stride, patch, cell, pos := occlusionGrid(side)
	// These runs need no layer's output: the session's program hands
	// every kept value back as it goes, so they run in the buffers the
	// Classify left in its pool. A second, lean program would be a little
	// faster (its ReLUs fused) but would hold its own buffers and its own
	// packed weights (VGG16: about 50 MB more at the peak).
	ro := engine.RunOptions{Context: ctx, Consume: func(string, *engine.Tensor) bool { return true }}
	runtime.GC() // what earlier requests left is collected before 65 runs allocate
	if step != nil {
		ro.Progress = func(int, int, engine.NodeTiming) { step() }
	}
	prob := func(in *engine.Tensor) (float64, error) {
		res, err := s.run(in, ro)
		if err != nil {
			if ctx != nil && ctx.Err() != nil {
				return 0, &Error{Code: protocol.CodeCancelled, Err: errors.New("cancelled")}
			}
			return 0, fail(protocol.CodeInternal, "model %s: %v", s.model.Meta.Name, err)
		}
		logits := res.Outputs[s.model.Graph().Outputs[0]]
		return models.Softmax(logits.Data)[class], nil
	}
	base, err := prob(x)
	if err != nil {
		return nil, err
	}
	n := (side + cell - 1) / cell
	sum := make([]float64, n*n)
	count := make([]int, n*n)
	hidden := x.Clone()
	done, total := 0, len(pos)*len(pos)
	for _, py := range pos {
		for _, px := range pos {
			copy(hidden.Data, x.Data)
			for c := range 3 {
				plane := hidden.Data[c*side*side : (c+1)*side*side]
				for y := py; y < py+patch; y++ {
					clear(plane[y*side+px : y*side+px+patch])
				}
			}
			p, err := prob(hidden)
			if err != nil {
				return nil, err
			}
			drop := base - p
			if done++; progress != nil {
				progress(done, total)
			}
			for cy := py / cell; cy < n && cy*cell < py+patch; cy++ {
				for cx := px / cell; cx < n && cx*cell < px+patch; cx++ {
					sum[cy*n+cx] += drop
					count[cy*n+cx]++
				}
			}
		}
	}
	vals := make([]float32, n*n)
	for i := range vals {
		if count[i] > 0 {
			vals[i] = float32(sum[i] / float64(count[i]))
		}
	}
	return &protocol.Heatmap{Class: class, Method: "occlusion", Patch: patch, Stride: stride, W: n, H: n, Values: vals}, nil
}
