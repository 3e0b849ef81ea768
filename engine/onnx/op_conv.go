package onnx

import (
	"errors"
	"fmt"

	"convscope/engine"
)

// convertConv maps Conv (inputs X, W, optional B). Only 2-D convolution is
// supported: the weight is (outC, inC/group, kH, kW).
func convertConv(c *converter, n *Node) error {
	a := c.attrs(n, "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")
	if err := inputs(n, 2, 3); err != nil {
		return err
	}
	if err := outputs(n, 1, "extra output"); err != nil {
		return err
	}
	p := &engine.ConvParams{Group: a.smallInt("group", 1)}
	kernel := a.ints("kernel_shape", -1, nil)
	if a.err != nil {
		return a.err
	}
	if kernel == nil {
		w, err := c.shape(n.Inputs[1])
		if err != nil {
			return err
		}
		if len(w) < 3 {
			return fmt.Errorf("weight %q shape %v: want (outC, inC/group, kH, kW)", n.Inputs[1], w)
		}
		kernel = w[2:]
	}
	if len(kernel) != 2 {
		return fmt.Errorf("%d-D convolution not supported (only 2-D)", len(kernel))
	}
	p.Kernel = [2]int(kernel)
	if err := spatialParams(c, n, a, p.Kernel, &p.Strides, &p.Dilations, &p.Pads); err != nil {
		return err
	}
	return c.emit(n, engine.OpConv, n.Inputs, p)
}

// spatialParams reads the strides, dilations, pads and auto_pad attributes
// Conv and the pools share, resolving auto_pad into explicit pads with the
// engine's rule (which needs the input's spatial size).
func spatialParams(c *converter, n *Node, a *attrs, kernel [2]int, strides, dilations *[2]int, pads *[4]int) error {
	*strides = [2]int(a.ints("strides", 2, []int{1, 1}))
	*dilations = [2]int(a.ints("dilations", 2, []int{1, 1}))
	*pads = [4]int(a.ints("pads", 4, []int{0, 0, 0, 0}))
	mode, err := engine.ParseAutoPad(a.str("auto_pad", "NOTSET"))
	if a.err != nil {
		return a.err
	}
	if err != nil {
		return err
	}
	if mode == engine.AutoPadNotSet {
		return nil
	}
	if a.has("pads") {
		return errors.New("auto_pad and pads are both set")
	}
	if mode == engine.AutoPadValid {
		return nil
	}
	x, err := c.shape(n.Inputs[0])
	if err != nil {
		return err
	}
	if len(x) != 4 {
		return fmt.Errorf("input shape %v: want (N, C, H, W)", x)
	}
	for i := range 2 {
		pads[i], pads[i+2] = engine.ResolveAutoPad(mode, x[2+i], kernel[i], strides[i], dilations[i])
	}
	return nil
}
