package engine

import "math"

// Sigmoid: y = 1 / (1 + exp(-x)), elementwise.

func init() {
	register(OpSigmoid, opImpl{infer: inferUnary, run: runSigmoid})
}

func runSigmoid(_ *execCtx, _ *Node, in, out []*Tensor) error {
	dst := out[0].Data
	for i, v := range in[0].Data {
		// Computed in float64: exact enough for float32 and no overflow for
		// large |x| (exp(+inf) gives 1/(1+inf) = 0).
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
	return nil
}
