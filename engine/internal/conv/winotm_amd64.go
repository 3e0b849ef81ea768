//go:build amd64 && goexperiment.simd && !convscope_nosimd

package conv

import (
	"simd/archsimd"
	"unsafe"
)

// widenInt16 writes the int16 values src as float32 into dst (exact), 16
// at a time with AVX-512 (VPMOVSXWD, VCVTDQ2PS), in scalars without it.
func widenInt16(dst []float32, src []int16) {
	dst = dst[:len(src)]
	i := 0
	if archsimd.X86.AVX512() && len(src) >= 16 {
		ps := unsafe.Pointer(unsafe.SliceData(src))
		pd := unsafe.Pointer(unsafe.SliceData(dst))
		for ; i+16 <= len(src); i += 16 {
			v := archsimd.LoadInt16x16Array((*[16]int16)(unsafe.Add(ps, 2*i)))
			v.ExtendToInt32().ConvertToFloat32().StoreArray((*[16]float32)(unsafe.Add(pd, 4*i)))
		}
		archsimd.ClearAVXUpperBits()
	}
	for ; i < len(src); i++ {
		dst[i] = float32(src[i])
	}
}

// winoOutTM16 is winoOut for 16 consecutive output channels of one tile
// of winogradTM, one per lane of Float32x16 (AVX-512): m_xi of channel k
// is p[xi*plane+k]. It multiplies by the channels' scales sc and adds no
// bias and no ReLU (storeTransposed adds them after), and writes y[0] =
// y00, y[1] = y01, y[2] = y10, y[3] = y11 of the 16 channels. The same
// operations in the same order as transformOutputTM, lane by lane. It
// reports false without AVX-512.
func winoOutTM16(p []float32, plane int, sc *[16]float32, y *[4][16]float32) bool {
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
	s := archsimd.LoadFloat32x16Array(sc)
	s00.Add(s01).Add(s02).Mul(s).StoreArray(&y[0])
	s01.Sub(s02).Sub(s03).Mul(s).StoreArray(&y[1])
	s10.Add(s11).Add(s12).Mul(s).StoreArray(&y[2])
	s11.Sub(s12).Sub(s13).Mul(s).StoreArray(&y[3])
	archsimd.ClearAVXUpperBits()
	return true
}

// biasReluRows adds bias (nr values; nil: none) to each of the rows rows
// of nr values of x, then applies ReLU when relu: what storeTransposed
// does value by value, 16 lanes at a time with AVX-512, the same
// operations in the same order (ReLU keeps v unless v < 0, as
// gemm.Epilogue). storeTransposed then only moves values: its ReLU's
// branches, taken at random, were a third of winogradTM's time on 14x14
// maps. It reports false without AVX-512 or when nr is not a multiple of
// 16.
func biasReluRows(x []float32, rows, nr int, bias []float32, relu bool) bool {
	if !archsimd.X86.AVX512() || nr%16 != 0 {
		return false
	}
	if bias == nil && !relu {
		return true
	}
	x = x[:rows*nr]
	var zero archsimd.Float32x16
	for h := 0; h < nr; h += 16 {
		var b archsimd.Float32x16
		if bias != nil {
			b = archsimd.LoadFloat32x16Array((*[16]float32)(bias[h:]))
		}
		for r := 0; r < rows; r++ {
			p := (*[16]float32)(x[r*nr+h:])
			v := archsimd.LoadFloat32x16Array(p)
			if bias != nil {
				v = v.Add(b)
			}
			if relu {
				v = zero.IfElse(v.Less(zero), v)
			}
			v.StoreArray(p)
		}
	}
	archsimd.ClearAVXUpperBits()
	return true
}

// transposeIdx are the ConcatPermute indices of transpose16's four
// stages: for block size d (8, 4, 2, 1), lo takes row r's lanes l with bit
// d clear and row r+d's lanes l-d where it is set, hi row r's lanes l+d
// and row r+d's lanes l.
var transposeIdx = func() (idx [4][2][16]uint32) {
	for s, d := range []int{8, 4, 2, 1} {
		for l := 0; l < 16; l++ {
			if l&d == 0 {
				idx[s][0][l], idx[s][1][l] = uint32(l), uint32(l+d)
			} else {
				idx[s][0][l], idx[s][1][l] = uint32(16+l-d), uint32(16+l)
			}
		}
	}
	return idx
}()

// transposeStore writes the rows x mc block at the start of ct (row
// stride nr, a pixel a row, a channel a column) transposed into y (a
// channel a row, stride ldy): y[j*ldy+px] = ct[px*nr+j]. With AVX-512,
// blocks of 16 pixels by 16 channels go through registers (four stages of
// two-source permutes, VPERMI2PS); the rest one value at a time. It
// reports false without AVX-512 (nothing written). The values are moved,
// not computed: the bits of storeTransposed without bias and ReLU.
func transposeStore(ct, y []float32, rows, nr, mc, ldy int) bool {
	if !archsimd.X86.AVX512() {
		return false
	}
	pr, jr := rows/16*16, mc/16*16
	if pr > 0 && jr > 0 {
		// The last block's last row and column lie in ct and y.
		_ = ct[(pr-1)*nr+jr-1]
		_ = y[(jr-1)*ldy+pr-1]
	}
	for j0 := 0; j0 < jr; j0 += 16 {
		for p0 := 0; p0 < pr; p0 += 16 {
			transpose16(&ct[p0*nr+j0], nr, &y[j0*ldy+p0], ldy, &transposeIdx)
		}
	}
	for j := 0; j < mc; j++ {
		out := y[j*ldy : j*ldy+rows]
		p := pr
		if j >= jr {
			p = 0
		}
		for ; p < rows; p++ {
			out[p] = ct[p*nr+j]
		}
	}
	return true
}

// transpose16 is in transpose_amd64.s: dst[i*ldd+j] = src[j*lds+i] for
// i, j < 16.
//
//go:noescape
func transpose16(src *float32, lds int, dst *float32, ldd int, idx *[4][2][16]uint32)
