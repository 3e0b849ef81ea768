package engine

import (
	"errors"
	"testing"
)

func TestReshape(t *testing.T) {
	x := tensor(t, []int{2, 3, 4}, make([]float32, 24)...)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	for _, c := range []struct {
		shape []int64
		want  []int
	}{
		{[]int64{4, 6}, []int{4, 6}},
		{[]int64{0, -1}, []int{2, 12}},
		{[]int64{-1, 0, 2}, []int{4, 3, 2}},
		{[]int64{24}, []int{24}},
	} {
		out := runOp(t, OpReshape, &ReshapeParams{Shape: c.shape}, 1, x)
		wantTensor(t, out[0], c.want, x.Data, 0)
	}
}

func TestReshapeErrors(t *testing.T) {
	x := tensor(t, []int{2, 3, 4})
	for _, shape := range [][]int64{
		{5, -1},            // 24 not divisible by 5
		{-1, -1},           // two unknowns
		{2, 3, 5},          // 30 != 24
		{0, 0, 0, 0},       // 0 beyond the input's rank
		{-2, 12},           // negative
		{1 << 40, 1},       // absurd
		{1 << 30, 1 << 30}, // product overflows MaxElements
	} {
		if err := compileErr(OpReshape, &ReshapeParams{Shape: shape}, x); err == nil {
			t.Errorf("shape %v accepted", shape)
		}
	}
	err := compileErr(OpReshape, &ReshapeParams{Shape: []int64{1 << 30, 1 << 30}}, x)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("overflowing shape: %v, want ErrTooLarge", err)
	}
}
