//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package gemm

// packRows8 is WebAssembly's assembly sliver copy (packb8_wasm_simd.go);
// without it packB copies the slivers in Go.
func packRows8(dst, src []float32, ldb, kc, slivers int) bool { return false }
