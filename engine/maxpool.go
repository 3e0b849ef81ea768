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
				dst[oy*g.ow+ox] = best
			}
		}
	}
	return nil
}
