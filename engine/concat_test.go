package engine

import "testing"

func TestConcat(t *testing.T) {
	a := tensor(t, []int{2, 1, 2}, 1, 2, 3, 4)
	b := tensor(t, []int{2, 2, 2}, 5, 6, 7, 8, 9, 10, 11, 12)
	out := runOp(t, OpConcat, &ConcatParams{Axis: 1}, 1, a, b)
	wantTensor(t, out[0], []int{2, 3, 2}, []float32{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}, 0)
	out = runOp(t, OpConcat, &ConcatParams{Axis: -1}, 1, a, a)
	wantTensor(t, out[0], []int{2, 1, 4}, []float32{1, 2, 1, 2, 3, 4, 3, 4}, 0)
	out = runOp(t, OpConcat, &ConcatParams{Axis: 0}, 1, a, a)
	wantTensor(t, out[0], []int{4, 1, 2}, []float32{1, 2, 3, 4, 1, 2, 3, 4}, 0)
	if compileErr(OpConcat, &ConcatParams{Axis: 0}, a, b) == nil {
		t.Fatal("mismatched non-axis dimension accepted")
	}
	if compileErr(OpConcat, &ConcatParams{Axis: 3}, a, a) == nil {
		t.Fatal("axis out of range accepted")
	}
}
