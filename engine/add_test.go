package engine

import "testing"

func TestAddBroadcast(t *testing.T) {
	for _, c := range []struct {
		name   string
		a, b   *Tensor
		shape  []int
		values []float32
	}{
		{"same", tensor(t, []int{2}, 1, 2), tensor(t, []int{2}, 10, 20), []int{2}, []float32{11, 22}},
		{"row", tensor(t, []int{2, 3}, 1, 2, 3, 4, 5, 6), tensor(t, []int{3}, 10, 20, 30), []int{2, 3}, []float32{11, 22, 33, 14, 25, 36}},
		{"outer", tensor(t, []int{2, 1}, 1, 2), tensor(t, []int{1, 3}, 10, 20, 30), []int{2, 3}, []float32{11, 21, 31, 12, 22, 32}},
		{"scalar", tensor(t, []int{}, 5), tensor(t, []int{2, 2}, 1, 2, 3, 4), []int{2, 2}, []float32{6, 7, 8, 9}},
		{"channel", tensor(t, []int{1, 2, 1, 2}, 1, 2, 3, 4), tensor(t, []int{2, 1, 1}, 10, 20), []int{1, 2, 1, 2}, []float32{11, 12, 23, 24}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := runOp(t, OpAdd, nil, 1, c.a, c.b)
			wantTensor(t, out[0], c.shape, c.values, 0)
		})
	}
}

func TestAddIncompatible(t *testing.T) {
	if compileErr(OpAdd, nil, tensor(t, []int{2, 3}), tensor(t, []int{2})) == nil {
		t.Fatal("(2,3) + (2) accepted")
	}
}
