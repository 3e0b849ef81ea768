package session

import "math"

// ActivationError compares a layer's output under int8 weights (a8) with
// the same layer's output under the float32 weights they were quantized
// from (a32), in float64:
//
//	rel    = ||a8 - a32|| / ||a32||   (L2 norms over the whole output)
//	maxAbs = max |a8 - a32|
//	cosine = a8.a32 / (||a8|| ||a32||)
//	scale  = max |a32|
//
// When a32 is all zeros, rel is 0 if a8 is too and 1 otherwise; cosine is
// 1 when both are all zeros and 0 when only one is (no NaN reaches JSON).
func ActivationError(a8, a32 []float32) (rel, maxAbs, cosine, scale float64) {
	var d2, n8, n32, dot float64
	for i, v := range a32 {
		x, y := float64(a8[i]), float64(v)
		d := x - y
		d2 += d * d
		n8 += x * x
		n32 += y * y
		dot += x * y
		maxAbs = max(maxAbs, math.Abs(d))
		scale = max(scale, math.Abs(y))
	}
	switch {
	case n32 > 0:
		rel = math.Sqrt(d2 / n32)
	case n8 > 0:
		rel = 1
	}
	switch {
	case n8 > 0 && n32 > 0:
		cosine = dot / math.Sqrt(n8*n32)
	case n8 == 0 && n32 == 0:
		cosine = 1
	}
	return rel, maxAbs, cosine, scale
}
