package engine

import "testing"

func TestAveragePool(t *testing.T) {
	x := ramp(t, 3, 3) // 1..9
	for _, c := range []struct {
		name  string
		p     PoolParams
		shape []int
		want  []float32
	}{
		{"2x2", PoolParams{Kernel: [2]int{2, 2}}, []int{1, 1, 2, 2}, []float32{3, 4, 6, 7}},
		// pad 1 everywhere, 2x2 stride 2: corner windows hold one real cell.
		{"exclude pad", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}},
			[]int{1, 1, 2, 2}, []float32{1, 2.5, 5.5, 7}},
		{"include pad", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, CountIncludePad: true},
			[]int{1, 1, 2, 2}, []float32{0.25, 1.25, 2.75, 7}},
		// ceil mode: the last window hangs past the input; only real cells
		// count, with or without count_include_pad (there is no padding).
		{"ceil", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true},
			[]int{1, 1, 2, 2}, []float32{3, 4.5, 7.5, 9}},
		{"ceil include pad", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true, CountIncludePad: true},
			[]int{1, 1, 2, 2}, []float32{3, 4.5, 7.5, 9}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			out := runOp(t, OpAveragePool, &p, 1, x)
			wantTensor(t, out[0], c.shape, c.want, 1e-6)
		})
	}
}
