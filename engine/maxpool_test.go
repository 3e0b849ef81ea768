package engine

import "testing"

// ramp returns a (1, 1, h, w) tensor holding 1, 2, 3, ...
func ramp(t *testing.T, h, w int) *Tensor {
	x := tensor(t, []int{1, 1, h, w})
	for i := range x.Data {
		x.Data[i] = float32(i + 1)
	}
	return x
}

func TestMaxPool(t *testing.T) {
	x := ramp(t, 4, 4)
	for _, c := range []struct {
		name  string
		p     PoolParams
		shape []int
		want  []float32
	}{
		{"2x2s2", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{1, 1, 2, 2}, []float32{6, 8, 14, 16}},
		{"3x3s2 ceil", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 1, 2, 2}, []float32{11, 12, 15, 16}},
		{"3x3s2 floor", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}}, []int{1, 1, 1, 1}, []float32{11}},
		{"pads", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 1, 3, 3},
			[]float32{1, 3, 4, 9, 11, 12, 13, 15, 16}},
		{"dilation", PoolParams{Kernel: [2]int{2, 2}, Dilations: [2]int{2, 2}}, []int{1, 1, 2, 2}, []float32{11, 12, 15, 16}},
		{"asym pads", PoolParams{Kernel: [2]int{2, 2}, Pads: [4]int{0, 1, 0, 0}}, []int{1, 1, 3, 4},
			[]float32{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			out := runOp(t, OpMaxPool, &p, 1, x)
			wantTensor(t, out[0], c.shape, c.want, 0)
		})
	}
}

func TestPoolErrors(t *testing.T) {
	x := ramp(t, 4, 4)
	for _, p := range []PoolParams{
		{},                                       // no kernel
		{Kernel: [2]int{5, 5}},                   // larger than the input
		{Kernel: [2]int{2, 2}, Pads: [4]int{-1}}, // negative pad
		{Kernel: [2]int{2, 2}, Strides: [2]int{-1, 1}},
		{Kernel: [2]int{1 << 40, 1}},
	} {
		p := p
		if compileErr(OpMaxPool, &p, x) == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if compileErr(OpAveragePool, &PoolParams{Kernel: [2]int{2, 2}}, tensor(t, []int{1, 4, 4})) == nil {
		t.Error("3-D input accepted")
	}
}
