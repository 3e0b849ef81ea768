package gemm

import (
	"math"

	"convscope/engine/internal/relaxed"
)

// sameOrFMA: g is w bit for bit (NaNs alike), or, in the relaxed-SIMD
// build only (engine/internal/relaxed), within what f32x4.relaxed_madd can
// change in a sum of kc products of values in [-1, 1]: FMA rounds each
// step once where f32x4.mul then f32x4.add rounds twice, up to half an ulp
// of the partial sum (at most kc) a step; 1e-6*kc is about eight ulps of
// the largest partial sum a step, far below what a wrong row, column or
// step (a whole product, about 0.1 and more) would change. Infinities and
// NaNs must still match exactly. The plain build compares bits.
func sameOrFMA(g, w float32, kc int) bool {
	if math.Float32bits(g) == math.Float32bits(w) || (g != g && w != w) {
		return true
	}
	if !relaxed.On || math.IsInf(float64(g), 0) || math.IsInf(float64(w), 0) || g != g || w != w {
		return false
	}
	return math.Abs(float64(g)-float64(w)) <= 1e-6*float64(max(kc, 1))
}

// firstDiffFMA is firstBitDiff, with sameOrFMA's tolerance in the
// relaxed-SIMD build.
func firstDiffFMA(got, want []float32, kc int) int {
	for i := range got {
		if !sameOrFMA(got[i], want[i], kc) {
			return i
		}
	}
	return -1
}
