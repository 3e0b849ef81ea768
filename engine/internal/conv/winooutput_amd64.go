//go:build amd64 && goexperiment.simd && !convscope_nosimd

package conv

import (
	"simd/archsimd"
	"unsafe"
)

// storeOut4 writes the 2x2 outputs of four consecutive tiles of a tile row
// (ys as winoOut4 leaves them: ys[0] the four tiles' y00, ys[1] y01, ys[2]
// y10, ys[3] y11) into y at o (rows w apart): y00, y01 of each tile in
// turn on the first row, y10, y11 on the second, two interleaving VSHUFPS
// per four values instead of 16 scalar stores with their bounds checks.
func storeOut4(y []float32, o, w int, ys *[4][4]float32) bool {
	py := unsafe.Pointer(unsafe.SliceData(y[o : o+w+8]))
	row := func(a, b archsimd.Float32x4, at unsafe.Pointer) {
		lo := a.ConcatPermuteScalars(0, 1, 4, 5, b) // a0 a1 b0 b1
		hi := a.ConcatPermuteScalars(2, 3, 6, 7, b) // a2 a3 b2 b3
		lo.ConcatPermuteScalars(0, 2, 5, 7, lo).StoreArray((*[4]float32)(at))
		hi.ConcatPermuteScalars(0, 2, 5, 7, hi).StoreArray((*[4]float32)(unsafe.Add(at, 16)))
	}
	row(archsimd.LoadFloat32x4Array(&ys[0]), archsimd.LoadFloat32x4Array(&ys[1]), py)
	row(archsimd.LoadFloat32x4Array(&ys[2]), archsimd.LoadFloat32x4Array(&ys[3]), unsafe.Add(py, 4*w))
	return true
}

// winoOutWide is winoOut4 for 16 consecutive tiles of a sliver at once,
// one per lane of Float32x16 (AVX-512): the same additions in the same
// order, so the same bits. It writes the 2x2 outputs of the first n of
// them, tiles (*tx, *ty) on in raster order (tilesX a row), into out (an
// oh x ow plane), those inside it, as storeTiles does, and moves (*tx,
// *ty) past them: per tile row they cover, y00, y01 of each tile in turn
// on one output row and y10, y11 on the next, interleaved by VPERMI2PS,
// moved into place by another and written by masked stores (none past
// out's end, none of a value outside the output). Only where wideVectors
// (AVX-512), on planes of 16 values or more. winoOut4 with storeOut4
// (SSE) and the scalar stores of the quads that cross a tile row took 7%
// of the CPU time of ResNet-18 and GoogLeNet passes on one worker (CPU
// profile).
func winoOutWide(p []float32, plane int, bv float32, relu bool, out []float32, oh, ow, tilesX, n int, tx, ty *int) {
	pp := unsafe.Pointer(unsafe.SliceData(p[:15*plane+16]))
	ld := func(i int) archsimd.Float32x16 {
		return archsimd.LoadFloat32x16Array((*[16]float32)(unsafe.Add(pp, 4*i*plane)))
	}
	m0, m1, m2, m3 := ld(0), ld(1), ld(2), ld(3)
	m4, m5, m6, m7 := ld(4), ld(5), ld(6), ld(7)
	m8, m9, m10, m11 := ld(8), ld(9), ld(10), ld(11)
	s00 := m0.Add(m4).Add(m8)
	s01 := m1.Add(m5).Add(m9)
	s02 := m2.Add(m6).Add(m10)
	s03 := m3.Add(m7).Add(m11)
	m12, m13, m14, m15 := ld(12), ld(13), ld(14), ld(15)
	s10 := m4.Sub(m8).Sub(m12)
	s11 := m5.Sub(m9).Sub(m13)
	s12 := m6.Sub(m10).Sub(m14)
	s13 := m7.Sub(m11).Sub(m15)
	b := archsimd.BroadcastFloat32x16(bv)
	y00 := s00.Add(s01).Add(s02).Add(b)
	y01 := s01.Sub(s02).Sub(s03).Add(b)
	y10 := s10.Add(s11).Add(s12).Add(b)
	y11 := s11.Sub(s12).Sub(s13).Add(b)
	if relu {
		var zero archsimd.Float32x16
		y00 = zero.IfElse(y00.Less(zero), y00)
		y01 = zero.IfElse(y01.Less(zero), y01)
		y10 = zero.IfElse(y10.Less(zero), y10)
		y11 = zero.IfElse(y11.Less(zero), y11)
	}
	// The 32 values of each output row, tile by tile: a0 (tiles 0-7) and
	// a1 (8-15) of the upper row, c0 and c1 of the lower.
	il, ih := archsimd.LoadUint32x16Array(&interleave16[0]), archsimd.LoadUint32x16Array(&interleave16[1])
	a0, a1 := y00.ConcatPermute(y01, il), y00.ConcatPermute(y01, ih)
	c0, c1 := y10.ConcatPermute(y11, il), y10.ConcatPermute(y11, ih)
	iota := archsimd.LoadUint32x16Array(&iota16)
	po := unsafe.Pointer(unsafe.SliceData(out))
	// put writes cnt (at most 32) values from value src of (lo, hi) to
	// out[dst:], 16 at a time; a store that would run past out's end is
	// moved back, its values with it (VPERMI2PS takes indices mod 32).
	put := func(lo, hi archsimd.Float32x16, src, dst, cnt int) {
		for c := 0; c < cnt; c += 16 {
			m := min(16, cnt-c)
			d, sh := dst+c, 0
			if d+16 > len(out) {
				sh = d + 16 - len(out)
				d -= sh
			}
			idx := iota.Add(archsimd.BroadcastUint32x16(uint32(src + c - sh)))
			mask := archsimd.Mask32x16FromBits(uint16((1<<m - 1) << sh))
			lo.ConcatPermute(hi, idx).StoreArrayMasked((*[16]float32)(unsafe.Add(po, 4*d)), mask)
		}
	}
	for k := 0; k < n; {
		l := min(n-k, tilesX-*tx) // tiles of this segment, in one tile row
		oy, ox := 2**ty, 2**tx
		cnt := 2 * l
		if ox+cnt > ow { // the last tile's right column is outside
			cnt = ow - ox
		}
		put(a0, a1, 2*k, oy*ow+ox, cnt)
		if oy+1 < oh {
			put(c0, c1, 2*k, (oy+1)*ow+ox, cnt)
		}
		k += l
		if *tx += l; *tx == tilesX {
			*tx, *ty = 0, *ty+1
		}
	}
}

// wideVectors reports whether transformInputWide and winoOutWide run:
// AVX-512.
func wideVectors() bool { return archsimd.X86.AVX512() }

// iota16 are the lanes' indices.
var iota16 = [16]uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// interleave16 are the VPERMI2PS indices that interleave the first (then
// the last) eight lanes of two vectors.
var interleave16 = [2][16]uint32{
	{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23},
	{8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31},
}
