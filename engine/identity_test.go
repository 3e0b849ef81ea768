package engine

import "testing"

func TestIdentity(t *testing.T) {
	x := tensor(t, []int{1, 2}, 3, -4)
	out := runOp(t, OpIdentity, nil, 1, x)
	wantTensor(t, out[0], []int{1, 2}, []float32{3, -4}, 0)
	if &out[0].Data[0] == &x.Data[0] {
		t.Fatal("output aliases the input")
	}
}
