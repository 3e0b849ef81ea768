package engine

import (
	"math"
	"testing"
)

// TestLRN checks the ONNX formula on 4 channels with size 3: channel c sums
// squares over [c-1, c+1]; and size 2 (asymmetric window [c, c+1]).
func TestLRN(t *testing.T) {
	x := tensor(t, []int{1, 4, 1, 1}, 1, 2, 3, 4)
	p := &LRNParams{Size: 3, Alpha: 0.3, Beta: 0.75, Bias: 2}
	out := runOp(t, OpLRN, p, 1, x)
	sq := [][]float64{{1, 4}, {1, 4, 9}, {4, 9, 16}, {9, 16}}
	want := make([]float32, 4)
	for c := range want {
		var s float64
		for _, v := range sq[c] {
			s += v
		}
		want[c] = float32(float64(x.Data[c]) / math.Pow(2+0.3/3*s, 0.75))
	}
	wantTensor(t, out[0], []int{1, 4, 1, 1}, want, 1e-6)

	out = runOp(t, OpLRN, &LRNParams{Size: 2, Alpha: 1, Beta: 1, Bias: 1}, 1, x)
	// size 2: window [c - 0, c + 1].
	wantTensor(t, out[0], []int{1, 4, 1, 1}, []float32{
		1 / (1 + 0.5*(1+4)), 2 / (1 + 0.5*(4+9)), 3 / (1 + 0.5*(9+16)), 4 / (1 + 0.5*16),
	}, 1e-6)
	if compileErr(OpLRN, &LRNParams{Size: 0}, x) == nil {
		t.Fatal("size 0 accepted")
	}
}

// TestLRNPow: the beta = 0.75 fast path agrees with math.Pow.
func TestLRNPow(t *testing.T) {
	for _, x := range []float64{0, 1e-8, 0.3, 1, 2.5, 1e6} {
		if got, want := pow(x, 0.75), math.Pow(x, 0.75); math.Abs(got-want) > 1e-15*math.Max(1, want) {
			t.Errorf("pow(%v) = %v, want %v", x, got, want)
		}
	}
}
