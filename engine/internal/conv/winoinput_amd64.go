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

// transformInputWide is transformInput4 for 16 (wide) or 8 consecutive
// tiles of one tile row, all inside the image and in one sliver, with
// AVX-512: lane k of each Float32x16 (Float32x8) is tile k. Column j of
// row r of the patches is every other value of the image row from p+r*w+j:
// the even or odd lanes of two 16-value (8-value) loads, one VPERMI2PS
// each. Only where wideVectors (AVX-512). The same operations in the same
// order as the scalar code, lane by lane: the same bits
// (TestTransformInputVectorSameBits). transformInput4's SSE form took a
// tenth of a ResNet-18 pass's CPU time on one worker (CPU profile,
// transformInputC with transformInput4, 12%, of ResNet-18 and GoogLeNet).
func transformInputWide(img []float32, p, w int, v []float32, q, plane int, wide bool) {
	if wide {
		transformInput16(img, p, w, v, q, plane)
	} else {
		transformInput8(img, p, w, v, q, plane)
	}
}

// evenOdd16 and evenOdd8 are the VPERMI2PS indices of the even and of the
// odd values of two concatenated vectors.
var (
	evenOdd16 = [2][16]uint32{
		{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30},
		{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31},
	}
	evenOdd8 = [2][8]uint32{{0, 2, 4, 6, 8, 10, 12, 14}, {1, 3, 5, 7, 9, 11, 13, 15}}
)

func transformInput16(img []float32, p, w int, v []float32, q, plane int) {
	pi := unsafe.Pointer(unsafe.SliceData(img[p : p+3*w+34]))
	pv := unsafe.Pointer(unsafe.SliceData(v[q : q+15*plane+16]))
	ev, od := archsimd.LoadUint32x16Array(&evenOdd16[0]), archsimd.LoadUint32x16Array(&evenOdd16[1])
	ld := func(o int) archsimd.Float32x16 {
		return archsimd.LoadFloat32x16Array((*[16]float32)(unsafe.Add(pi, 4*o)))
	}
	row := func(o int) (c0, c1, c2, c3 archsimd.Float32x16) {
		l0, l1, h0, h1 := ld(o), ld(o+16), ld(o+2), ld(o+18)
		return l0.ConcatPermute(l1, ev), l0.ConcatPermute(l1, od), h0.ConcatPermute(h1, ev), h0.ConcatPermute(h1, od)
	}
	st := func(i int, x archsimd.Float32x16) {
		x.StoreArray((*[16]float32)(unsafe.Add(pv, 4*i*plane)))
	}
	// Bt d row by row (b0 = r0 - r2, b1 = r1 + r2, b2 = r2 - r1,
	// b3 = r1 - r3), each followed by its row of (Bt d) B, so that fewer
	// vectors are live at once.
	r00, r01, r02, r03 := row(0)
	r20, r21, r22, r23 := row(2 * w)
	b0, b1, b2, b3 := r00.Sub(r20), r01.Sub(r21), r02.Sub(r22), r03.Sub(r23)
	st(0, b0.Sub(b2))
	st(1, b1.Add(b2))
	st(2, b2.Sub(b1))
	st(3, b1.Sub(b3))
	r10, r11, r12, r13 := row(w)
	b0, b1, b2, b3 = r10.Add(r20), r11.Add(r21), r12.Add(r22), r13.Add(r23)
	st(4, b0.Sub(b2))
	st(5, b1.Add(b2))
	st(6, b2.Sub(b1))
	st(7, b1.Sub(b3))
	b0, b1, b2, b3 = r20.Sub(r10), r21.Sub(r11), r22.Sub(r12), r23.Sub(r13)
	st(8, b0.Sub(b2))
	st(9, b1.Add(b2))
	st(10, b2.Sub(b1))
	st(11, b1.Sub(b3))
	r30, r31, r32, r33 := row(3 * w)
	b0, b1, b2, b3 = r10.Sub(r30), r11.Sub(r31), r12.Sub(r32), r13.Sub(r33)
	st(12, b0.Sub(b2))
	st(13, b1.Add(b2))
	st(14, b2.Sub(b1))
	st(15, b1.Sub(b3))
}

func transformInput8(img []float32, p, w int, v []float32, q, plane int) {
	pi := unsafe.Pointer(unsafe.SliceData(img[p : p+3*w+18]))
	pv := unsafe.Pointer(unsafe.SliceData(v[q : q+15*plane+8]))
	ev, od := archsimd.LoadUint32x8Array(&evenOdd8[0]), archsimd.LoadUint32x8Array(&evenOdd8[1])
	ld := func(o int) archsimd.Float32x8 {
		return archsimd.LoadFloat32x8Array((*[8]float32)(unsafe.Add(pi, 4*o)))
	}
	row := func(o int) (c0, c1, c2, c3 archsimd.Float32x8) {
		l0, l1, h0, h1 := ld(o), ld(o+8), ld(o+2), ld(o+10)
		return l0.ConcatPermute(l1, ev), l0.ConcatPermute(l1, od), h0.ConcatPermute(h1, ev), h0.ConcatPermute(h1, od)
	}
	st := func(i int, x archsimd.Float32x8) {
		x.StoreArray((*[8]float32)(unsafe.Add(pv, 4*i*plane)))
	}
	r00, r01, r02, r03 := row(0)
	r20, r21, r22, r23 := row(2 * w)
	b0, b1, b2, b3 := r00.Sub(r20), r01.Sub(r21), r02.Sub(r22), r03.Sub(r23)
	st(0, b0.Sub(b2))
	st(1, b1.Add(b2))
	st(2, b2.Sub(b1))
	st(3, b1.Sub(b3))
	r10, r11, r12, r13 := row(w)
	b0, b1, b2, b3 = r10.Add(r20), r11.Add(r21), r12.Add(r22), r13.Add(r23)
	st(4, b0.Sub(b2))
	st(5, b1.Add(b2))
	st(6, b2.Sub(b1))
	st(7, b1.Sub(b3))
	b0, b1, b2, b3 = r20.Sub(r10), r21.Sub(r11), r22.Sub(r12), r23.Sub(r13)
	st(8, b0.Sub(b2))
	st(9, b1.Add(b2))
	st(10, b2.Sub(b1))
	st(11, b1.Sub(b3))
	r30, r31, r32, r33 := row(3 * w)
	b0, b1, b2, b3 = r10.Sub(r30), r11.Sub(r31), r12.Sub(r32), r13.Sub(r33)
	st(12, b0.Sub(b2))
	st(13, b1.Add(b2))
	st(14, b2.Sub(b1))
	st(15, b1.Sub(b3))
}

// padRowWide writes src (w values) into row with pl zeros before it and
// zeros after it up to len(row) (pl at most 16), 16 values at a time with
// AVX-512: each store is the last pl values of the previous load and the
// first 16-pl of the next (VPERMI2PS), loads past src's end zero-filled,
// the last store masked. Only where wideVectors. padInput's clear, copy
// and clear per row (two calls of the runtime's memclr and a memmove for
// 58 values at 56x56) were a tenth of a 64-channel 56x56 Winograd conv's
// CPU profile (BenchmarkConv3x3). Copies only: the same bits.
func padRowWide(row, src []float32, pl int) {
	idx := archsimd.LoadUint32x16Array(&iota16).Add(archsimd.BroadcastUint32x16(uint32(16 - pl)))
	var prev archsimd.Float32x16
	for i := 0; i < len(row); i += 16 {
		var cur archsimd.Float32x16
		if i < len(src) {
			cur, _ = archsimd.LoadFloat32x16Part(src[i:])
		}
		prev.ConcatPermute(cur, idx).StorePart(row[i:])
		prev = cur
	}
}
