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

// winoOutTM16 is winoOut for 16 consecutive output channels of one tile
// of winogradTM, one per lane of Float32x16 (AVX-512): m_xi of channel k
// is p[xi*plane+k]. It adds no bias and no ReLU (storeTransposed adds them
// after), but a zero when zero is set (winoOut adds bias 0 when there is
// none, which turns -0 into 0), and writes y[0] = y00, y[1] = y01, y[2] =
// y10, y[3] = y11 of the 16 channels. Same additions in the same order as
// winoOut, lane by lane. It reports false without AVX-512.
func winoOutTM16(p []float32, plane int, zero bool, y *[4][16]float32) bool {
	if !archsimd.X86.AVX512() {
		return false
	}
	pp := unsafe.Pointer(unsafe.SliceData(p[:15*plane+16]))
	ld := func(i int) archsimd.Float32x16 {
		return archsimd.LoadFloat32x16Array((*[16]float32)(unsafe.Add(pp, 4*i*plane)))
	}
	m0, m1, m2, m3 := ld(0), ld(1), ld(2), ld(3)
	m4, m5, m6, m7 := ld(4), ld(5), ld(6), ld(7)
	m8, m9, m10, m11 := ld(8), ld(9), ld(10), ld(11)
	m12, m13, m14, m15 := ld(12), ld(13), ld(14), ld(15)
	s00 := m0.Add(m4).Add(m8)
	s01 := m1.Add(m5).Add(m9)
	s02 := m2.Add(m6).Add(m10)
	s03 := m3.Add(m7).Add(m11)
	s10 := m4.Sub(m8).Sub(m12)
	s11 := m5.Sub(m9).Sub(m13)
	s12 := m6.Sub(m10).Sub(m14)
	s13 := m7.Sub(m11).Sub(m15)
	y00 := s00.Add(s01).Add(s02)
	y01 := s01.Sub(s02).Sub(s03)
	y10 := s10.Add(s11).Add(s12)
	y11 := s11.Sub(s12).Sub(s13)
	if zero {
		var z archsimd.Float32x16
		y00, y01, y10, y11 = y00.Add(z), y01.Add(z), y10.Add(z), y11.Add(z)
	}
	y00.StoreArray(&y[0])
	y01.StoreArray(&y[1])
	y10.StoreArray(&y[2])
	y11.StoreArray(&y[3])
	archsimd.ClearAVXUpperBits()
	return true
}
