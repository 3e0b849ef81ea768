//go:build amd64 && goexperiment.simd && !convscope_nosimd

package conv

import "simd/archsimd"

var pickAVX512 = archsimd.X86.AVX512()

// s2Even picks the even lanes of two Float32x16 (VPERMT2PS indices 0-31).
var s2Even = [16]uint32{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}

// pickStride is pickStrideGeneric; stride 2 with AVX-512 takes 16 values
// at a time from two vectors by one two-source permute.
func pickStride(dst, src []float32, s int) {
	if s != 2 || !pickAVX512 || len(dst) < 16 {
		pickStrideGeneric(dst, src, s)
		return
	}
	n := len(dst)
	src = src[:2*n-1]
	even := archsimd.LoadUint32x16Array(&s2Even)
	j := 0
	// The second load reads src[2j+16 : 2j+32]: inside src while 2j+32
	// <= 2n-1.
	for ; 2*j+32 <= 2*n-1; j += 16 {
		a := archsimd.LoadFloat32x16Array((*[16]float32)(src[2*j:]))
		b := archsimd.LoadFloat32x16Array((*[16]float32)(src[2*j+16:]))
		a.ConcatPermute(b, even).StoreArray((*[16]float32)(dst[j:]))
	}
	archsimd.ClearAVXUpperBits()
	for ; j < n; j++ {
		dst[j] = src[2*j]
	}
}
