//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

import "simd/archsimd"

// copy8 copies 8 float32 from src to dst as two Float32x4. A [8]float32
// assignment is a 32-byte move, which Go's wasm backend emits as
// memory.copy, and V8 runs that as a call into the runtime: for packB, one
// per row of every 8-wide sliver.
func copy8(dst, src []float32) {
	d, s := (*[8]float32)(dst), (*[8]float32)(src)
	archsimd.LoadFloat32x4Array((*[4]float32)(s[0:])).StoreArray((*[4]float32)(d[0:]))
	archsimd.LoadFloat32x4Array((*[4]float32)(s[4:])).StoreArray((*[4]float32)(d[4:]))
}
