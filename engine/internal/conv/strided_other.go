//go:build !(amd64 && goexperiment.simd) || convscope_nosimd

package conv

// pickStride is pickStrideGeneric (see strided_amd64.go).
func pickStride(dst, src []float32, s int) { pickStrideGeneric(dst, src, s) }
