//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package gemm

// copy8 copies 8 float32 from src to dst (see copy8_wasm_simd.go).
func copy8(dst, src []float32) { *(*[8]float32)(dst) = *(*[8]float32)(src) }
