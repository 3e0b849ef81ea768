package engine

import (
	"fmt"

	"convscope/engine/gemm"
)

// MatMul: the product of two 2-D matrices, (M, K) x (K, N) -> (M, N).
// Batched and 1-D operands are not supported.

func init() {
	register(OpMatMul, opImpl{infer: inferMatMul, run: runMatMul})
}

func inferMatMul(n *Node, in [][]int) ([][]int, error) {
	if err := arity(in, 2, 2); err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if len(a) != 2 || len(b) != 2 {
		return nil, fmt.Errorf("operands %v and %v: only 2-D MatMul is supported", a, b)
	}
	if a[1] != b[0] {
		return nil, fmt.Errorf("inner dimensions differ: %v x %v", a, b)
	}
	return [][]int{{a[0], b[1]}}, nil
}

func runMatMul(x *execCtx, _ *Node, in, out []*Tensor) error {
	a, b := in[0], in[1]
	m, k, nn := a.Shape[0], a.Shape[1], b.Shape[1]
	gemm.ParallelMatrix(gemm.DefaultTiles, gemm.Epilogue{}, x.workers, false, false, m, nn, k, 1, matrixOf(a), matrixOf(b), 0, out[0].Data, nn)
	return nil
}
