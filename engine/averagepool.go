package engine

// AveragePool: the mean over each (dilated) window. With CountIncludePad the
// divisor counts the taps inside the padded input ([-padBegin, in+padEnd)
// on each axis, so a ceil-mode window hanging past the end padding is not
// charged for it, as in PyTorch and ONNX Runtime); without it, only taps
// inside the input count.

func init() {
	register(OpAveragePool, opImpl{
		newParams: func() any { return new(PoolParams) },
		infer:     inferPool,
		run:       runAveragePool,
	})
}

func runAveragePool(_ *execCtx, n *Node, in, out []*Tensor) error {
	return runPool(n, in, out, func(p *PoolParams, g *poolGeom, src []float32, y0, x0 int) float32 {
		var sum float32
		valid, padded := 0, 0
		for ky := 0; ky < g.kh; ky++ {
			y := y0 + ky*g.dh
			if y < -g.pt || y >= g.h+g.pb {
				continue
			}
			for kx := 0; kx < g.kw; kx++ {
				x := x0 + kx*g.dw
				if x < -g.pl || x >= g.w+g.pr {
					continue
				}
				padded++
				if y >= 0 && y < g.h && x >= 0 && x < g.w {
					sum += src[y*g.w+x]
					valid++
				}
			}
		}
		div := valid
		if p.CountIncludePad {
			div = padded
		}
		if div == 0 {
			return 0
		}
		return sum / float32(div)
	})
}
