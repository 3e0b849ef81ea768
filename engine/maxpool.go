package engine

import "math"

// MaxPool: the maximum over each (dilated) window; padded cells never win.
// Uses PoolParams (CountIncludePad is ignored).

func init() {
	register(OpMaxPool, opImpl{
		newParams: func() any { return new(PoolParams) },
		infer:     inferPool,
		run:       runMaxPool,
	})
}

func runMaxPool(_ *execCtx, n *Node, in, out []*Tensor) error {
	return runPool(n, in, out, func(_ *PoolParams, g *poolGeom, src []float32, y0, x0 int) float32 {
		best := float32(math.Inf(-1))
		for ky := 0; ky < g.kh; ky++ {
			y := y0 + ky*g.dh
			if y < 0 || y >= g.h {
				continue
			}
			for kx := 0; kx < g.kw; kx++ {
				x := x0 + kx*g.dw
				if x >= 0 && x < g.w {
					best = max(best, src[y*g.w+x])
				}
			}
		}
		return best
	})
}
