package engine

import "testing"

func TestMulBroadcast(t *testing.T) {
	a := tensor(t, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	out := runOp(t, OpMul, nil, 1, a, tensor(t, []int{2, 1}, 2, -1))
	wantTensor(t, out[0], []int{2, 3}, []float32{2, 4, 6, -4, -5, -6}, 0)
	out = runOp(t, OpMul, nil, 1, a, a)
	wantTensor(t, out[0], []int{2, 3}, []float32{1, 4, 9, 16, 25, 36}, 0)
	if compileErr(OpMul, nil, a, tensor(t, []int{4})) == nil {
		t.Fatal("(2,3) * (4) accepted")
	}
}
