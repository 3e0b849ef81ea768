package engine

import "fmt"

// PoolParams are the attributes of MaxPool and AveragePool (2-D). Zero
// Strides and Dilations mean 1; Kernel is required.
type PoolParams struct {
	Kernel    [2]int // (kH, kW)
	Strides   [2]int
	Pads      [4]int // (top, left, bottom, right), already resolved from auto_pad
	Dilations [2]int
	CeilMode  bool // output size rounds up: a last, partial window is kept
	// CountIncludePad (AveragePool): padded cells count in the divisor.
	CountIncludePad bool
}

// poolGeom is the resolved geometry of a pool over (N, C, H, W).
type poolGeom struct {
	n, c, h, w     int
	kh, kw, sh, sw int
	dh, dw         int
	pt, pl, pb, pr int
	oh, ow         int
}

func poolParams(n *Node) (*PoolParams, error) { return paramsOf[PoolParams](n) }

// runPool is the loop MaxPool and AveragePool share: it resolves the
// geometry, then sets every output cell to window(src, y0, x0), the
// reduction over the window of map src whose first tap is (y0, x0) (which
// may lie in the padding).
func runPool(n *Node, in, out []*Tensor, window func(p *PoolParams, g *poolGeom, src []float32, y0, x0 int) float32) error {
	p, err := poolParams(n)
	if err != nil {
		return err
	}
	g, err := resolvePool(p, in[0].Shape)
	if err != nil {
		return err
	}
	for m := 0; m < g.n*g.c; m++ {
		src := in[0].Data[m*g.h*g.w : (m+1)*g.h*g.w]
		dst := out[0].Data[m*g.oh*g.ow : (m+1)*g.oh*g.ow]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0 := g.window(oy, ox)
				dst[oy*g.ow+ox] = window(p, &g, src, y0, x0)
			}
		}
	}
	return nil
}

// inferPool is the shape rule of MaxPool and AveragePool.
func inferPool(n *Node, in [][]int) ([][]int, error) {
	p, err := poolParams(n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	if len(n.Outputs) > 1 {
		return nil, fmt.Errorf("%d outputs: the Indices output is not supported", len(n.Outputs))
	}
	g, err := resolvePool(p, in[0])
	if err != nil {
		return nil, err
	}
	return [][]int{{g.n, g.c, g.oh, g.ow}}, nil
}

func resolvePool(p *PoolParams, x []int) (poolGeom, error) {
	var g poolGeom
	if len(x) != 4 {
		return g, errShape(x, "(N, C, H, W); only 2-D pooling is supported")
	}
	g.n, g.c, g.h, g.w = x[0], x[1], x[2], x[3]
	g.kh, g.kw = p.Kernel[0], p.Kernel[1]
	g.sh, g.sw = orOne(p.Strides[0]), orOne(p.Strides[1])
	g.dh, g.dw = orOne(p.Dilations[0]), orOne(p.Dilations[1])
	g.pt, g.pl, g.pb, g.pr = p.Pads[0], p.Pads[1], p.Pads[2], p.Pads[3]
	for _, v := range []int{g.kh, g.kw, g.sh, g.sw, g.dh, g.dw} {
		if v <= 0 || v > MaxElements {
			return g, fmt.Errorf("kernel %v, strides %v, dilations %v must be positive", p.Kernel, p.Strides, p.Dilations)
		}
	}
	for _, v := range p.Pads {
		if v < 0 || v > MaxElements {
			return g, fmt.Errorf("pads %v must be non-negative", p.Pads)
		}
	}
	g.oh = poolOut(g.h, g.pt, g.pb, g.kh, g.sh, g.dh, p.CeilMode)
	g.ow = poolOut(g.w, g.pl, g.pr, g.kw, g.sw, g.dw, p.CeilMode)
	if g.oh <= 0 || g.ow <= 0 {
		return g, fmt.Errorf("kernel %v (dilations %v) does not fit input %dx%d with pads %v", p.Kernel, p.Dilations, g.h, g.w, p.Pads)
	}
	return g, nil
}

// poolOut is the output size of one axis: floor or ceil of
// (in + pads - dilated kernel) / stride, plus 1. In ceil mode a last window
// that would start in the end padding is dropped (PyTorch's and ONNX
// Runtime's rule), so every window overlaps the input or the begin padding.
func poolOut(in, pb, pe, k, s, d int, ceil bool) int {
	span := in + pb + pe - ((k-1)*d + 1)
	if span < 0 {
		return 0
	}
	if !ceil {
		return span/s + 1
	}
	out := (span+s-1)/s + 1
	if (out-1)*s >= in+pb {
		out--
	}
	return out
}

// window returns the input coordinates of the first tap of output cell
// (oy, ox); negative values lie in the padding.
func (g poolGeom) window(oy, ox int) (y0, x0 int) {
	return oy*g.sh - g.pt, ox*g.sw - g.pl
}
