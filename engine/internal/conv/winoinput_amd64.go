//go:build amd64 && goexperiment.simd && !convscope_nosimd

package conv

import (
	"simd/archsimd"
	"unsafe"
)

// transformInput4 is transformInput's V = Bt d B for four consecutive
// tiles of one tile row, all inside the image, whose 4x4 patches start at
// img[p], img[p+2], img[p+4], img[p+6] (rows w apart): lane k of each
// vector is tile k. Row j of a patch is every other value of the image row
// from p+j (a pair of loads and one VSHUFPS per column of the patch). The
// four tiles' 16 values go to v[q+i*plane : q+i*plane+4] (consecutive
// tiles of a sliver). Same operations in the same order as the scalar
// code, lane by lane: the same bits. The scalar loop (16 loads, 32
// additions and 16 stores a tile) was a fifth of the CPU profile of a
// ResNet-18 pass on one worker; this takes about a third less CPU time
// over ResNet's 64-channel 56x56 maps (0.87-1.30 -> 0.52-0.89 ms a call,
// at load 3-7) and less over 128x28x28 (0.54-0.90 -> 0.46-0.66); at 14x14
// (7 tiles a row) few tiles go four at a time.
func transformInput4(img []float32, p, w int, v []float32, q, plane int) bool {
	// One bounds check of each operand as a whole, then pointers: the
	// checks of every load and store made the loop three times longer.
	pi := unsafe.Pointer(unsafe.SliceData(img[p : p+3*w+10]))
	pv := unsafe.Pointer(unsafe.SliceData(v[q : q+15*plane+4]))
	ld := func(o int) archsimd.Float32x4 {
		return archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pi, 4*o)))
	}
	row := func(o int) (c0, c1, c2, c3 archsimd.Float32x4) {
		l0, l1, h0, h1 := ld(o), ld(o+4), ld(o+2), ld(o+6)
		return l0.ConcatPermuteScalars(0, 2, 4, 6, l1), l0.ConcatPermuteScalars(1, 3, 5, 7, l1),
			h0.ConcatPermuteScalars(0, 2, 4, 6, h1), h0.ConcatPermuteScalars(1, 3, 5, 7, h1)
	}
	r00, r01, r02, r03 := row(0)
	r10, r11, r12, r13 := row(w)
	r20, r21, r22, r23 := row(2 * w)
	r30, r31, r32, r33 := row(3 * w)
	// Bt d: rows b0..b3.
	b00, b01, b02, b03 := r00.Sub(r20), r01.Sub(r21), r02.Sub(r22), r03.Sub(r23)
	b10, b11, b12, b13 := r10.Add(r20), r11.Add(r21), r12.Add(r22), r13.Add(r23)
	b20, b21, b22, b23 := r20.Sub(r10), r21.Sub(r11), r22.Sub(r12), r23.Sub(r13)
	b30, b31, b32, b33 := r10.Sub(r30), r11.Sub(r31), r12.Sub(r32), r13.Sub(r33)
	st := func(i int, x archsimd.Float32x4) {
		x.StoreArray((*[4]float32)(unsafe.Add(pv, 4*i*plane)))
	}
	// (Bt d) B, row by row.
	st(0, b00.Sub(b02))
	st(1, b01.Add(b02))
	st(2, b02.Sub(b01))
	st(3, b01.Sub(b03))
	st(4, b10.Sub(b12))
	st(5, b11.Add(b12))
	st(6, b12.Sub(b11))
	st(7, b11.Sub(b13))
	st(8, b20.Sub(b22))
	st(9, b21.Add(b22))
	st(10, b22.Sub(b21))
	st(11, b21.Sub(b23))
	st(12, b30.Sub(b32))
	st(13, b31.Add(b32))
	st(14, b32.Sub(b31))
	st(15, b31.Sub(b33))
	return true
}
