package engine

// GlobalMaxPool: (N, C, H, W) -> (N, C, 1, 1), the maximum of each map.

func init() {
	register(OpGlobalMaxPool, opImpl{infer: inferGlobalPool, run: runGlobalMaxPool})
}

func runGlobalMaxPool(_ *execCtx, _ *Node, in, out []*Tensor) error {
	maps := out[0].Len()
	size := in[0].Len() / maps
	for m := 0; m < maps; m++ {
		src := in[0].Data[m*size : (m+1)*size]
		best := src[0]
		for _, v := range src[1:] {
			best = max(best, v)
		}
		out[0].Data[m] = best
	}
	return nil
}
