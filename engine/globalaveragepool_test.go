package engine

import "testing"

func TestGlobalAveragePool(t *testing.T) {
	x := tensor(t, []int{1, 2, 2, 2}, 1, 2, 3, 4, -1, -1, 5, 5)
	out := runOp(t, OpGlobalAveragePool, nil, 1, x)
	wantTensor(t, out[0], []int{1, 2, 1, 1}, []float32{2.5, 2}, 0)
	if compileErr(OpGlobalAveragePool, nil, tensor(t, []int{2, 3})) == nil {
		t.Fatal("2-D input accepted")
	}
}
