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
					dst[oy*g.ow+ox] = 0
				} else {
					dst[oy*g.ow+ox] = sum / float32(div)
				}
			}
		}
	}
	return nil
}
