//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package vec

func squaresAdd(sum []float64, x []float32) { squaresAddGeneric(sum, x) }

func lrnScale(dst, x []float32, sum []float64, bias, k float64) {
	lrnScaleGeneric(dst, x, sum, bias, k)
}
