package engine

import "testing"

func TestFlatten(t *testing.T) {
	x := tensor(t, []int{2, 3, 4}, make([]float32, 24)...)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	for _, c := range []struct {
		axis  int
		shape []int
	}{{0, []int{1, 24}}, {1, []int{2, 12}}, {2, []int{6, 4}}, {3, []int{24, 1}}, {-1, []int{6, 4}}} {
		out := runOp(t, OpFlatten, &FlattenParams{Axis: c.axis}, 1, x)
		wantTensor(t, out[0], c.shape, x.Data, 0)
	}
	if compileErr(OpFlatten, &FlattenParams{Axis: 4}, x) == nil {
		t.Fatal("axis 4 of rank 3 accepted")
	}
}
