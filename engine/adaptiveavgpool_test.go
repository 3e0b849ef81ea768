package engine

import "testing"

// TestAdaptiveAvgPool: 5 -> 3 cells uses PyTorch's overlapping bins
// [0,2), [1,4), [3,5); 2 -> 4 repeats cells.
func TestAdaptiveAvgPool(t *testing.T) {
	x := tensor(t, []int{1, 1, 1, 5}, 1, 2, 3, 4, 5)
	out := runOp(t, OpAdaptiveAvgPool, &AdaptiveAvgPoolParams{Out: [2]int{1, 3}}, 1, x)
	wantTensor(t, out[0], []int{1, 1, 1, 3}, []float32{1.5, 3, 4.5}, 1e-6)
	y := tensor(t, []int{1, 1, 2, 1}, 1, 3)
	out = runOp(t, OpAdaptiveAvgPool, &AdaptiveAvgPoolParams{Out: [2]int{4, 1}}, 1, y)
	wantTensor(t, out[0], []int{1, 1, 4, 1}, []float32{1, 1, 3, 3}, 0)
	// Same size is the identity; 6x6 of a 13x13 map is AlexNet's case.
	out = runOp(t, OpAdaptiveAvgPool, &AdaptiveAvgPoolParams{Out: [2]int{1, 5}}, 1, x)
	wantTensor(t, out[0], []int{1, 1, 1, 5}, x.Data, 0)
	if compileErr(OpAdaptiveAvgPool, &AdaptiveAvgPoolParams{}, x) == nil {
		t.Fatal("zero output size accepted")
	}
}
