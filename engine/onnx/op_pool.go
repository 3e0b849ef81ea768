package onnx

import (
	"fmt"

	"convscope/engine"
)

// convertMaxPool maps MaxPool. Its optional second output (argmax indices)
// and storage_order, which only affects that output, are not supported.
func convertMaxPool(c *converter, n *Node) error {
	a := c.attrs(n, "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides")
	if a.int("storage_order", 0) != 0 {
		return fmt.Errorf("storage_order %d not supported", a.int("storage_order", 0))
	}
	if err := outputs(n, 1, "Indices"); err != nil {
		return err
	}
	return convertPool(c, n, a, engine.OpMaxPool, false)
}

// convertAveragePool maps AveragePool, whose count_include_pad decides
// whether padded cells count in each window's divisor.
func convertAveragePool(c *converter, n *Node) error {
	a := c.attrs(n, "auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides")
	if err := outputs(n, 1, "extra output"); err != nil {
		return err
	}
	return convertPool(c, n, a, engine.OpAveragePool, a.bool("count_include_pad", false))
}

func convertPool(c *converter, n *Node, a *attrs, op engine.OpKind, countPad bool) error {
	if err := inputs(n, 1, 1); err != nil {
		return err
	}
	p := &engine.PoolParams{CeilMode: a.bool("ceil_mode", false), CountIncludePad: countPad}
	kernel := a.ints("kernel_shape", -1, nil)
	if a.err != nil {
		return a.err
	}
	if kernel == nil {
		return fmt.Errorf("attribute %q is required", "kernel_shape")
	}
	if len(kernel) != 2 {
		return fmt.Errorf("%d-D pooling not supported (only 2-D)", len(kernel))
	}
	p.Kernel = [2]int(kernel)
	if err := spatialParams(c, n, a, p.Kernel, &p.Strides, &p.Dilations, &p.Pads); err != nil {
		return err
	}
	return c.emit(n, op, n.Inputs, p)
}
