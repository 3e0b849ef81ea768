package engine

import (
	"math"
	"testing"
)

func TestBatchNorm(t *testing.T) {
	// (1, 2, 1, 2): channel 0 = [1, 3], channel 1 = [2, 4].
	x := tensor(t, []int{1, 2, 1, 2}, 1, 3, 2, 4)
	scale := tensor(t, []int{2}, 2, 1)
	bias := tensor(t, []int{2}, 0.5, -1)
	mean := tensor(t, []int{2}, 1, 3)
	vari := tensor(t, []int{2}, 4, 0.25)
	out := runOp(t, OpBatchNorm, &BatchNormParams{Epsilon: 0}, 1, x, scale, bias, mean, vari)
	// c0: 2*(x-1)/2 + 0.5; c1: (x-3)/0.5 - 1.
	wantTensor(t, out[0], []int{1, 2, 1, 2}, []float32{0.5, 2.5, -3, 1}, 1e-6)
	out = runOp(t, OpBatchNorm, &BatchNormParams{Epsilon: 1e-5}, 1, x, scale, bias, mean, vari)
	s0 := float32(2 / math.Sqrt(4+1e-5))
	if got := out[0].Data[1]; math.Abs(float64(got-(2*s0+0.5))) > 1e-6 {
		t.Fatalf("with epsilon: %v, want %v", got, 2*s0+0.5)
	}
}

func TestBatchNormErrors(t *testing.T) {
	x := tensor(t, []int{1, 2, 2, 2})
	c2, c3 := tensor(t, []int{2}), tensor(t, []int{3})
	if compileErr(OpBatchNorm, &BatchNormParams{}, x, c2, c2, c3, c2) == nil {
		t.Error("mean of 3 channels for 2 accepted")
	}
	if compileErr(OpBatchNorm, &BatchNormParams{}, x, c2, c2, c2) == nil {
		t.Error("4 inputs accepted")
	}
	if compileErr(OpBatchNorm, &BatchNormParams{Epsilon: -1}, x, c2, c2, c2, c2) == nil {
		t.Error("negative epsilon accepted")
	}
}
