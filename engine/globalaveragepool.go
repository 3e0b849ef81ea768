package engine

// GlobalAveragePool: (N, C, H, W) -> (N, C, 1, 1), the mean over each map
// (any number of spatial dimensions).

func init() {
	register(OpGlobalAveragePool, opImpl{infer: inferGlobalPool, run: runGlobalAveragePool})
}

// inferGlobalPool is the shape rule of both global pools.
func inferGlobalPool(n *Node, in [][]int) ([][]int, error) {
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	if len(in[0]) < 3 {
		return nil, errShape(in[0], "(N, C, spatial...)")
	}
	out := append([]int{}, in[0]...)
	for i := 2; i < len(out); i++ {
		out[i] = 1
	}
	return [][]int{out}, nil
}

func runGlobalAveragePool(_ *execCtx, _ *Node, in, out []*Tensor) error {
	maps := out[0].Len()
	size := in[0].Len() / maps
	for m := 0; m < maps; m++ {
		var sum float64
		for _, v := range in[0].Data[m*size : (m+1)*size] {
			sum += float64(v)
		}
		out[0].Data[m] = float32(sum / float64(size))
	}
	return nil
}
