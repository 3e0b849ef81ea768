package engine

import "testing"

func TestRelu(t *testing.T) {
	x := tensor(t, []int{2, 3}, -1, 0, 2, -0.5, 3, -7)
	out := runOp(t, OpRelu, nil, 1, x)
	wantTensor(t, out[0], []int{2, 3}, []float32{0, 0, 2, 0, 3, 0}, 0)
	if x.Data[0] != -1 {
		t.Fatal("Relu modified its input")
	}
}

func TestReluArity(t *testing.T) {
	x := tensor(t, []int{2})
	if compileErr(OpRelu, nil, x, x) == nil {
		t.Fatal("two inputs accepted")
	}
}
