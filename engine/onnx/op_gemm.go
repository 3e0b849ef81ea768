package onnx

import "convscope/engine"

// convertGemm maps Gemm: Y = alpha * A' * B' + beta * C, C optional from
// opset 11 and broadcast to Y. broadcast (opsets 1-6) only allowed what
// the engine's numpy broadcasting does anyway.
func convertGemm(c *converter, n *Node) error {
	a := c.attrs(n, "alpha", "beta", "transA", "transB", "broadcast")
	p := &engine.GemmParams{
		Alpha:  a.float("alpha", 1),
		Beta:   a.float("beta", 1),
		TransA: a.bool("transA", false),
		TransB: a.bool("transB", false),
	}
	a.bool("broadcast", false)
	if a.err != nil {
		return a.err
	}
	if err := inputs(n, 2, 3); err != nil {
		return err
	}
	return c.emit(n, engine.OpGemm, n.Inputs, p)
}
