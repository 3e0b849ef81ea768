package engine

// Mul: elementwise product with numpy broadcasting.

func init() {
	register(OpMul, opImpl{infer: inferBroadcast, run: runMul})
}

func runMul(_ *execCtx, _ *Node, in, out []*Tensor) error {
	binaryBroadcast(out[0], in[0], in[1], func(x, y float32) float32 { return x * y })
	return nil
}
