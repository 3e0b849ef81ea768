package onnx

import (
	"errors"
	"fmt"

	"convscope/engine"
)

// convertFlatten maps Flatten (axis defaults to 1, may be negative from
// opset 11).
func convertFlatten(c *converter, n *Node) error {
	a := c.attrs(n, "axis")
	p := &engine.FlattenParams{Axis: a.smallInt("axis", 1)}
	if a.err != nil {
		return a.err
	}
	if err := inputs(n, 1, 1); err != nil {
		return err
	}
	return c.emit(n, engine.OpFlatten, n.Inputs, p)
}

// convertReshape maps Reshape. The target shape is an attribute before
// opset 5 and an INT64 input after, which must be a constant: the engine
// plans every shape at compile time. With allowzero=1 (opset 14) a 0 means
// an empty dimension instead of "copy", which the engine does not support;
// without zeros in the shape both readings agree.
func convertReshape(c *converter, n *Node) error {
	var shape []int64
	if c.opset < 5 {
		a := c.attrs(n, "shape", "consumed_inputs")
		if at := a.get("shape", AttrInts); at != nil {
			shape = at.Ints
		} else if a.err == nil {
			return fmt.Errorf("attribute %q is required", "shape")
		}
		if a.err != nil {
			return a.err
		}
		if err := inputs(n, 1, 1); err != nil {
			return err
		}
	} else {
		a := c.attrs(n, "allowzero")
		allowZero := a.bool("allowzero", false)
		if a.err != nil {
			return a.err
		}
		if err := inputs(n, 2, 2); err != nil {
			return err
		}
		t, err := c.constInput(n, 1, "shape")
		if err != nil {
			return err
		}
		if shape, err = int64s(t, "shape"); err != nil {
			return err
		}
		for _, d := range shape {
			if d == 0 && allowZero {
				return errors.New("allowzero=1 with a 0 in the shape (an empty dimension) not supported")
			}
		}
	}
	if len(shape) > MaxRank {
		return fmt.Errorf("shape has %d dimensions, more than %d", len(shape), MaxRank)
	}
	for _, d := range shape {
		if d < -1 || d > engine.MaxElements {
			return fmt.Errorf("shape %v: dimension %d invalid", shape, d)
		}
	}
	p := &engine.ReshapeParams{Shape: append([]int64{}, shape...)}
	return c.emit(n, engine.OpReshape, n.Inputs[:1], p)
}

// convertConcat maps Concat (axis required from opset 4, 1 before).
func convertConcat(c *converter, n *Node) error {
	a := c.attrs(n, "axis")
	if c.opset >= 4 && !a.has("axis") {
		return fmt.Errorf("attribute %q is required", "axis")
	}
	p := &engine.ConcatParams{Axis: a.smallInt("axis", 1)}
	if a.err != nil {
		return a.err
	}
	if len(n.Inputs) == 0 {
		return errors.New("no inputs")
	}
	for i, in := range n.Inputs {
		if in == "" {
			return fmt.Errorf("input %d is empty", i)
		}
	}
	return c.emit(n, engine.OpConcat, n.Inputs, p)
}

// convertPad maps Pad in constant mode. The pads are an attribute before
// opset 11 ("paddings" in opset 1) and an INT64 constant input from opset
// 11, as is the optional scalar constant_value; the axes input of opset 18
// is not supported.
func convertPad(c *converter, n *Node) error {
	var pads []int64
	var value float32
	var mode string
	if c.opset < 11 {
		padsName := "pads"
		if c.opset < 2 {
			padsName = "paddings"
		}
		a := c.attrs(n, "mode", padsName, "value")
		mode = a.str("mode", "constant")
		value = a.float("value", 0)
		if at := a.get(padsName, AttrInts); at != nil {
			pads = at.Ints
		} else if a.err == nil {
			return fmt.Errorf("attribute %q is required", padsName)
		}
		if a.err != nil {
			return a.err
		}
		if err := inputs(n, 1, 1); err != nil {
			return err
		}
	} else {
		a := c.attrs(n, "mode")
		mode = a.str("mode", "constant")
		if a.err != nil {
			return a.err
		}
		if err := inputs(n, 2, 3); err != nil {
			return err
		}
		if len(n.Inputs) > 3 && n.Inputs[3] != "" {
			return errors.New("axes input not supported")
		}
		t, err := c.constInput(n, 1, "pads")
		if err != nil {
			return err
		}
		if pads, err = int64s(t, "pads"); err != nil {
			return err
		}
		if len(n.Inputs) > 2 && n.Inputs[2] != "" {
			t, err := c.constInput(n, 2, "constant_value")
			if err != nil {
				return err
			}
			if value, err = scalarFloat(t, "constant_value"); err != nil {
				return err
			}
		}
	}
	if mode != "constant" {
		return fmt.Errorf("mode %q not supported (only constant)", mode)
	}
	ps, err := toInts(pads)
	if err != nil {
		return fmt.Errorf("pads: %w", err)
	}
	return c.emit(n, engine.OpPad, n.Inputs[:1], &engine.PadParams{Pads: ps, Value: value})
}

// convertTranspose folds Transpose of a constant (PyTorch exports a Linear
// layer without bias as Transpose(weight) + MatMul) into a new constant.
// The engine has no Transpose operator for run-time values.
func convertTranspose(c *converter, n *Node) error {
	if err := inputs(n, 1, 1); err != nil {
		return err
	}
	t, ok := c.consts[n.Inputs[0]]
	if !ok {
		return errors.New("operator not supported on run-time values (only a constant input is folded)")
	}
	a := c.attrs(n, "perm")
	perm := a.ints("perm", len(t.Dims), nil)
	if a.err != nil {
		return a.err
	}
	if perm == nil {
		for i := len(t.Dims) - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	out, err := transpose(t, perm)
	if err != nil {
		return err
	}
	out.Name = n.Outputs[0]
	c.consts[out.Name] = out
	return nil
}

// transpose returns t with its dimensions permuted: output dimension i is
// input dimension perm[i].
func transpose(t *Tensor, perm []int) (*Tensor, error) {
	r := len(t.Dims)
	seen := make([]bool, r)
	for _, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation of %d axes", perm, r)
		}
		seen[p] = true
	}
	dims := make([]int, r)
	for i, p := range perm {
		dims[i] = t.Dims[p]
	}
	// inStride[p]: step in the input for one step along input axis p.
	inStride := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		inStride[i] = s
		s *= t.Dims[i]
	}
	out := &Tensor{DataType: t.DataType, Dims: dims}
	n := t.Len()
	// src maps each output index, in order, to its input index.
	src := make([]int, 0, n)
	idx := make([]int, r)
	for range n {
		off := 0
		for i, p := range perm {
			off += idx[i] * inStride[p]
		}
		src = append(src, off)
		for i := r - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < dims[i] {
				break
			}
			idx[i] = 0
		}
	}
	switch t.DataType {
	case Float:
		out.Float32 = gather(t.Float32, src)
	case Double:
		out.Float64 = gather(t.Float64, src)
	default:
		out.Int64 = gather(t.Int64, src)
	}
	return out, nil
}

func gather[T any](v []T, src []int) []T {
	out := make([]T, len(src))
	for i, s := range src {
		out[i] = v[s]
	}
	return out
}
