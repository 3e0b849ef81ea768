package engine

import (
	"math"

	"convscope/engine/internal/conv"
)

// MaxPool: the maximum over each (dilated) window; padded cells never win.
// Uses PoolParams (CountIncludePad is ignored).

func init() {
	register(OpMaxPool, opImpl{
		newParams: func() any { return new(PoolParams) },
		infer:     inferPool,
		run:       runMaxPool,
	})
}

// runMaxPool computes the pool separably: first the maximum over each
// window's columns for every input row (hm, H x OW), then over each
// window's rows of hm. Go's max on floats is associative and commutative,
// including for NaN (any NaN wins) and signed zeros (+0 wins), so this
// gives exactly the bits of the maximum over the window taken tap by tap
// (maxPoolWindow, the reference; only which NaN comes out of a window
// holding several may differ), with kh+kw instead of kh*kw comparisons
// per output and inner loops over contiguous rows. Planes (n, c) are split
// over the workers. GoogLeNet has 13 max pools (one per inception block)
// and the tap-by-tap loop, with a closure call per output, took a fifth of
// its pass.
func runMaxPool(x *execCtx, n *Node, in, out []*Tensor) error {
	p, err := poolParams(n)
	if err != nil {
		return err
	}
	g, err := resolvePool(p, in[0].Shape)
	if err != nil {
		return err
	}
	planes := g.n * g.c
	workers := x.workers
	if planes*g.h*g.w < 1<<15 {
		workers = 1 // too little work for goroutines to pay off
	}
	conv.ParallelFor(workers, planes, func(lo, hi int) {
		hm := make([]float32, g.h*g.ow)
		for m := lo; m < hi; m++ {
			maxPoolPlane(&g, in[0].Data[m*g.h*g.w:(m+1)*g.h*g.w], out[0].Data[m*g.oh*g.ow:(m+1)*g.oh*g.ow], hm)
		}
	})
	return nil
}

// maxPoolPlane pools one (H, W) map src into dst (OH, OW) using hm
// (H*OW floats) for the row maxima. A window with no tap inside the input
// gives -Inf, as the reference does.
func maxPoolPlane(g *poolGeom, src, dst, hm []float32) {
	negInf := float32(math.Inf(-1))
	for y := 0; y < g.h; y++ {
		row := src[y*g.w : (y+1)*g.w]
		hrow := hm[y*g.ow : (y+1)*g.ow]
		for ox := range hrow {
			x0 := ox*g.sw - g.pl
			if x0 >= 0 && x0+(g.kw-1)*g.dw < g.w {
				// Inside the row: no bounds to test per tap.
				switch {
				case g.kw == 3 && g.dw == 1:
					hrow[ox] = max(row[x0], row[x0+1], row[x0+2])
				case g.kw == 2 && g.dw == 1:
					hrow[ox] = max(row[x0], row[x0+1])
				default:
					best := row[x0]
					for kx := 1; kx < g.kw; kx++ {
						best = max(best, row[x0+kx*g.dw])
					}
					hrow[ox] = best
				}
				continue
			}
			best := negInf
			for kx := 0; kx < g.kw; kx++ {
				if x := x0 + kx*g.dw; x >= 0 && x < g.w {
					best = max(best, row[x])
				}
			}
			hrow[ox] = best
		}
	}
	for oy := 0; oy < g.oh; oy++ {
		drow := dst[oy*g.ow : (oy+1)*g.ow]
		first := true
		y0 := oy*g.sh - g.pt
		for ky := 0; ky < g.kh; ky++ {
			y := y0 + ky*g.dh
			if y < 0 || y >= g.h {
				continue
			}
			hrow := hm[y*g.ow : (y+1)*g.ow]
			if first {
				copy(drow, hrow)
				first = false
				continue
			}
			for ox, v := range hrow {
				drow[ox] = max(drow[ox], v)
			}
		}
		if first {
			for ox := range drow {
				drow[ox] = negInf
			}
		}
	}
}

// maxPoolWindow is the definition, tap by tap: the maximum of the taps of
// the window whose first tap is (y0, x0) that lie inside src, or -Inf. The
// tests hold runMaxPool to its bits.
func maxPoolWindow(g *poolGeom, src []float32, y0, x0 int) float32 {
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
}
