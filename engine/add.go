package engine

import "convscope/engine/internal/vec"

// Add: elementwise sum with numpy broadcasting (ResNet's residual connection).

func init() {
	register(OpAdd, opImpl{infer: inferBroadcast, run: runAdd})
}

func runAdd(_ *execCtx, _ *Node, in, out []*Tensor) error {
	if sameShape(in[0].Shape, in[1].Shape) {
		// The residual case: a loop without a closure call per element.
		vec.Add(out[0].Data, in[0].Data, in[1].Data)
		return nil
	}
	binaryBroadcast(out[0], in[0], in[1], func(x, y float32) float32 { return x + y })
	return nil
}
