//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

// packB8Asm is packRows8's copy in assembly (packb8_wasm_simd.s),
// unchecked.
//
//go:noescape
func packB8Asm(dst, src *float32, ldb, kc, slivers int)

// packRows8 copies the first slivers 8-wide slivers of kc rows of B (src,
// row stride ldb) into packed slivers (dst[(s*kc+p)*8:], as packB lays
// them out) and reports true; false where there is no such copy (the
// caller then copies them itself).
func packRows8(dst, src []float32, ldb, kc, slivers int) bool {
	if kc <= 0 || slivers <= 0 {
		return true
	}
	_, _ = dst[:slivers*kc*8], src[:(kc-1)*ldb+slivers*8]
	packB8Asm(&dst[0], &src[0], ldb, kc, slivers)
	return true
}
