package engine

import "testing"

func TestMatMul(t *testing.T) {
	a := tensor(t, []int{2, 2}, 1, 2, 3, 4)
	b := tensor(t, []int{2, 3}, 1, 0, 2, 0, 1, 3)
	out := runOp(t, OpMatMul, nil, 1, a, b)
	wantTensor(t, out[0], []int{2, 3}, []float32{1, 2, 8, 3, 4, 18}, 0)
	if compileErr(OpMatMul, nil, a, tensor(t, []int{3, 3})) == nil {
		t.Fatal("(2,2) x (3,3) accepted")
	}
}
