package engine

import (
	"math"
	"testing"
)

func TestSoftmax(t *testing.T) {
	x := tensor(t, []int{2, 3}, 1, 2, 3, 0, 0, 0)
	e1, e2, e3 := math.Exp(1), math.Exp(2), math.Exp(3)
	s := e1 + e2 + e3
	want := []float32{float32(e1 / s), float32(e2 / s), float32(e3 / s), 1. / 3, 1. / 3, 1. / 3}
	out := runOp(t, OpSoftmax, &SoftmaxParams{Axis: -1}, 1, x)
	wantTensor(t, out[0], []int{2, 3}, want, 1e-7)
	// Large logits must not overflow.
	out = runOp(t, OpSoftmax, &SoftmaxParams{Axis: 1}, 1, tensor(t, []int{1, 2}, 1000, 1000))
	wantTensor(t, out[0], []int{1, 2}, []float32{0.5, 0.5}, 0)
}

// TestSoftmaxAxisSemantics contrasts opset 13 (one axis) with opset 1-12
// (coerced to 2-D at the axis) on a (1, 2, 2) tensor at axis 1.
func TestSoftmaxAxisSemantics(t *testing.T) {
	x := tensor(t, []int{1, 2, 2}, 0, 0, 0, 0)
	out := runOp(t, OpSoftmax, &SoftmaxParams{Axis: 1}, 1, x)
	wantTensor(t, out[0], []int{1, 2, 2}, []float32{0.5, 0.5, 0.5, 0.5}, 1e-7)
	out = runOp(t, OpSoftmax, &SoftmaxParams{Axis: 1, Coerce2D: true}, 1, x)
	wantTensor(t, out[0], []int{1, 2, 2}, []float32{0.25, 0.25, 0.25, 0.25}, 1e-7)
	// opset 13 over axis 1 of (1, 2, 2) pairs elements 0,2 and 1,3.
	y := tensor(t, []int{1, 2, 2}, 0, 5, 0, 5)
	out = runOp(t, OpSoftmax, &SoftmaxParams{Axis: 1}, 1, y)
	wantTensor(t, out[0], []int{1, 2, 2}, []float32{0.5, 0.5, 0.5, 0.5}, 1e-7)
}
