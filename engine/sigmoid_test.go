package engine

import (
	"math"
	"testing"
)

func TestSigmoid(t *testing.T) {
	x := tensor(t, []int{4}, 0, 1, -100, 100)
	out := runOp(t, OpSigmoid, nil, 1, x)
	e := float32(1 / (1 + math.Exp(-1)))
	wantTensor(t, out[0], []int{4}, []float32{0.5, e, 0, 1}, 1e-7)
}
