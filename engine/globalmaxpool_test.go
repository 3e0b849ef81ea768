package engine

import "testing"

func TestGlobalMaxPool(t *testing.T) {
	x := tensor(t, []int{2, 1, 1, 3}, 1, 7, 3, -4, -2, -9)
	out := runOp(t, OpGlobalMaxPool, nil, 1, x)
	wantTensor(t, out[0], []int{2, 1, 1, 1}, []float32{7, -2}, 0)
}
