package session

import (
	"math"
	"testing"
)

// TestActivationError: the formulas on hand-checked vectors, and the
// all-zero cases give numbers, not NaN.
func TestActivationError(t *testing.T) {
	cases := []struct {
		a8, a32                    []float32
		rel, maxAbs, cosine, scale float64
	}{
		// d = (0, 0.5, -1): ||d|| = sqrt(1.25); ||a32|| = sqrt(1+4+4) = 3.
		{[]float32{1, 2.5, -3}, []float32{1, 2, -2}, math.Sqrt(1.25) / 3, 1, (1 + 5 + 6) / (math.Sqrt(1+6.25+9) * 3), 2},
		{[]float32{2, 4}, []float32{2, 4}, 0, 0, 1, 4},
		{[]float32{-1, -2}, []float32{1, 2}, 2, 4, -1, 2},
		{[]float32{0, 0}, []float32{0, 0}, 0, 0, 1, 0},
		{[]float32{0, 1}, []float32{0, 0}, 1, 1, 0, 0},
		{[]float32{0, 0}, []float32{3, 4}, 1, 4, 0, 4},
	}
	for i, c := range cases {
		rel, maxAbs, cosine, scale := ActivationError(c.a8, c.a32)
		for _, p := range [][2]float64{{rel, c.rel}, {maxAbs, c.maxAbs}, {cosine, c.cosine}, {scale, c.scale}} {
			if math.Abs(p[0]-p[1]) > 1e-12 {
				t.Errorf("case %d: got rel %v maxAbs %v cosine %v scale %v, want %v %v %v %v", i, rel, maxAbs, cosine, scale, c.rel, c.maxAbs, c.cosine, c.scale)
				break
			}
		}
	}
}
