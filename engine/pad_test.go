package engine

import "testing"

func TestPadConstant(t *testing.T) {
	x := tensor(t, []int{1, 1, 2, 2}, 1, 2, 3, 4)
	// One row on top, one column on the right.
	out := runOp(t, OpPad, &PadParams{Pads: []int{0, 0, 1, 0, 0, 0, 0, 1}, Value: 9}, 1, x)
	wantTensor(t, out[0], []int{1, 1, 3, 3}, []float32{9, 9, 9, 1, 2, 9, 3, 4, 9}, 0)
	// Negative pads crop.
	out = runOp(t, OpPad, &PadParams{Pads: []int{0, 0, 0, -1, 0, 0, 0, 0}}, 1, x)
	wantTensor(t, out[0], []int{1, 1, 2, 1}, []float32{2, 4}, 0)
	// Padding along the channel axis.
	out = runOp(t, OpPad, &PadParams{Pads: []int{0, 1, 0, 0, 0, 0, 0, 0}}, 1, x)
	wantTensor(t, out[0], []int{1, 2, 2, 2}, []float32{0, 0, 0, 0, 1, 2, 3, 4}, 0)
}

func TestPadErrors(t *testing.T) {
	x := tensor(t, []int{2, 2})
	for _, pads := range [][]int{{1, 1}, {0, -2, 0, 0}, {0, 1 << 40, 0, 0}} {
		if compileErr(OpPad, &PadParams{Pads: pads}, x) == nil {
			t.Errorf("pads %v accepted", pads)
		}
	}
}
