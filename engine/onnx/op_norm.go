package onnx

import (
	"errors"
	"fmt"

	"convscope/engine"
)

// convertLRN maps LRN, filling in ONNX's defaults.
func convertLRN(c *converter, n *Node) error {
	a := c.attrs(n, "alpha", "beta", "bias", "size")
	if !a.has("size") {
		return fmt.Errorf("attribute %q is required", "size")
	}
	p := &engine.LRNParams{
		Size:  a.smallInt("size", 0),
		Alpha: a.float("alpha", 1e-4),
		Beta:  a.float("beta", 0.75),
		Bias:  a.float("bias", 1),
	}
	if a.err != nil {
		return a.err
	}
	if err := inputs(n, 1, 1); err != nil {
		return err
	}
	return c.emit(n, engine.OpLRN, n.Inputs, p)
}

// convertBatchNorm maps BatchNormalization in inference mode (inputs X,
// scale, B, mean, var). Training mode (training_mode=1 from opset 14,
// is_test=0 before opset 7) and the running-statistics outputs are not
// supported; momentum only matters in training and is ignored.
func convertBatchNorm(c *converter, n *Node) error {
	a := c.attrs(n, "epsilon", "momentum", "spatial", "is_test", "training_mode", "consumed_inputs")
	p := &engine.BatchNormParams{Epsilon: a.float("epsilon", 1e-5)}
	if a.bool("training_mode", false) {
		return errors.New("training_mode=1 not supported")
	}
	// is_test (opsets 1-6) defaults to 0, training, but exporters of
	// inference graphs did not always set it; an explicit 0 is refused.
	if a.has("is_test") && !a.bool("is_test", true) {
		return errors.New("is_test=0 (training mode) not supported")
	}
	if !a.bool("spatial", true) {
		return errors.New("spatial=0 (per-element statistics) not supported")
	}
	if a.err != nil {
		return a.err
	}
	if err := inputs(n, 5, 5); err != nil {
		return err
	}
	if err := outputs(n, 1, "training statistics"); err != nil {
		return err
	}
	return c.emit(n, engine.OpBatchNorm, n.Inputs, p)
}
