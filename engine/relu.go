package engine

import "convscope/engine/internal/vec"

// Relu: y = max(x, 0), elementwise. NaN stays NaN, as in ONNX Runtime.

func init() {
	register(OpRelu, opImpl{infer: inferUnary, run: runRelu})
}

// inferUnary is the shape rule of elementwise ops with one input.
func inferUnary(n *Node, in [][]int) ([][]int, error) {
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	return [][]int{in[0]}, nil
}

func runRelu(_ *execCtx, _ *Node, in, out []*Tensor) error {
	vec.Relu(out[0].Data, in[0].Data)
	return nil
}
