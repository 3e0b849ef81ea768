//go:build amd64 && goexperiment.simd && !convscope_nosimd

package conv

import "simd/archsimd"

var hasAVX512 = archsimd.X86.AVX512()

// addTo sets dst[i] += src[i] (the pixel-major GEMM sums a kernel tile
// into its scratch once per KC slice; in scalar code that was a tenth of
// the kernel's time).
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	if hasAVX512 {
		for ; i+16 <= len(dst); i += 16 {
			d := archsimd.LoadFloat32x16Array((*[16]float32)(dst[i:]))
			d.Add(archsimd.LoadFloat32x16Array((*[16]float32)(src[i:]))).StoreArray((*[16]float32)(dst[i:]))
		}
		archsimd.ClearAVXUpperBits()
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}
