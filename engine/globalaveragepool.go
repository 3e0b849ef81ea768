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

// runGlobalAveragePool sums each map in float64, value after value. Four
// maps go at a time: each sum is still one chain of adds in the map's
// order (the same bits), but four chains overlap where one waited on each
// add's latency (googlenet_cifar's avgpool, 384 maps of 8x8, took 0.06 ms
// in Node, as much as one of its small convs).
func runGlobalAveragePool(_ *execCtx, _ *Node, in, out []*Tensor) error {
	maps := out[0].Len()
	size := in[0].Len() / maps
	x, y := in[0].Data, out[0].Data[:maps]
	m := 0
	for ; m+4 <= maps; m += 4 {
		a := x[m*size : (m+1)*size]
		b := x[(m+1)*size : (m+2)*size][:len(a)]
		c := x[(m+2)*size : (m+3)*size][:len(a)]
		d := x[(m+3)*size : (m+4)*size][:len(a)]
		var sa, sb, sc, sd float64
		for i, v := range a {
			sa += float64(v)
			sb += float64(b[i])
			sc += float64(c[i])
			sd += float64(d[i])
		}
		y[m] = float32(sa / float64(size))
		y[m+1] = float32(sb / float64(size))
		y[m+2] = float32(sc / float64(size))
		y[m+3] = float32(sd / float64(size))
	}
	for ; m < maps; m++ {
		var sum float64
		for _, v := range x[m*size : (m+1)*size] {
			sum += float64(v)
		}
		y[m] = float32(sum / float64(size))
	}
	return nil
}
