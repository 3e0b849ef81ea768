package onnx

import (
	"errors"
	"fmt"

	"convscope/engine"
)

// convertSoftmax maps Softmax. Opsets 1-12 flatten the input to 2-D at axis
// (default 1) and normalize each row; opset 13 normalizes along the single
// axis (default -1). The engine's Coerce2D selects the old reading.
func convertSoftmax(c *converter, n *Node) error {
	a := c.attrs(n, "axis")
	def := int64(-1)
	if c.opset < 13 {
		def = 1
	}
	p := &engine.SoftmaxParams{Axis: a.smallInt("axis", def), Coerce2D: c.opset < 13}
	if a.err != nil {
		return a.err
	}
	if err := inputs(n, 1, 1); err != nil {
		return err
	}
	return c.emit(n, engine.OpSoftmax, n.Inputs, p)
}

// convertDropout maps Dropout, the identity at inference, with its optional
// mask output (all true; 1.0 in the engine's float tensors). The ratio is
// an attribute before opset 12, then an optional input, kept in the params
// when constant. Training mode (is_test=0 before opset 7, a training_mode
// input from opset 12) is not supported; training_mode must be absent or a
// constant false.
func convertDropout(c *converter, n *Node) error {
	a := c.attrs(n, "ratio", "is_test", "seed", "consumed_inputs")
	p := &engine.DropoutParams{Ratio: a.float("ratio", 0.5)}
	if a.has("is_test") && !a.bool("is_test", true) {
		return errors.New("is_test=0 (training mode) not supported")
	}
	if a.err != nil {
		return a.err
	}
	if err := inputs(n, 1, 3); err != nil {
		return err
	}
	if err := outputs(n, 2, "extra output"); err != nil {
		return err
	}
	if len(n.Inputs) > 1 && n.Inputs[1] != "" {
		if t, ok := c.consts[n.Inputs[1]]; ok {
			r, err := scalarFloat(t, "ratio")
			if err != nil {
				return err
			}
			p.Ratio = r
		}
	}
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		t, err := c.constInput(n, 2, "training_mode")
		if err != nil {
			return err
		}
		if t.DataType != Bool || t.Len() != 1 {
			return fmt.Errorf("training_mode %q: want a BOOL scalar, got %v %v", t.Name, t.DataType, t.Dims)
		}
		if t.Int64[0] != 0 {
			return errors.New("training_mode=true not supported")
		}
	}
	return c.emit(n, engine.OpDropout, n.Inputs[:1], p)
}

// convertConstant records a Constant node's value as a constant; it emits
// no engine node. value (a tensor), value_float(s) and value_int(s) are
// supported; sparse and string values are not.
func convertConstant(c *converter, n *Node) error {
	a := c.attrs(n, "value", "value_float", "value_floats", "value_int", "value_ints")
	if len(n.Attrs) != 1 {
		return fmt.Errorf("%d value attributes, want exactly 1", len(n.Attrs))
	}
	if err := inputs(n, 0, 0); err != nil {
		return err
	}
	if err := outputs(n, 1, "extra output"); err != nil {
		return err
	}
	var t *Tensor
	switch {
	case a.has("value"):
		if at := a.get("value", AttrTensor); at != nil {
			v := *at.T
			t = &v
		}
	case a.has("value_float"):
		t = &Tensor{DataType: Float, Float32: []float32{a.float("value_float", 0)}}
	case a.has("value_floats"):
		if at := a.get("value_floats", AttrFloats); at != nil {
			t = &Tensor{DataType: Float, Dims: []int{len(at.Floats)}, Float32: at.Floats}
		}
	case a.has("value_int"):
		t = &Tensor{DataType: Int64, Int64: []int64{a.int("value_int", 0)}}
	case a.has("value_ints"):
		if at := a.get("value_ints", AttrInts); at != nil {
			t = &Tensor{DataType: Int64, Dims: []int{len(at.Ints)}, Int64: at.Ints}
		}
	}
	if a.err != nil {
		return a.err
	}
	if t == nil || t.Len() == 0 {
		return errors.New("empty value")
	}
	t.Name = n.Outputs[0]
	c.consts[t.Name] = t
	return nil
}
