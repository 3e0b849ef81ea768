//go:build (amd64 || wasm) && goexperiment.simd && !convscope_nosimd

package conv

import (
	"simd/archsimd"
	"unsafe"
)

// winoOut4 is winoOut for four consecutive tiles at once, one per lane of
// Float32x4 (SSE on amd64, SIMD128 in WebAssembly): the same additions in
// the same order as the scalar code, so the same bits. ReLU keeps v unless
// v < 0, as gemm.Epilogue does (-0 and NaN stay). It writes y[0] = y00,
// y[1] = y01, y[2] = y10, y[3] = y11 of the four tiles.
func winoOut4(p []float32, plane int, bv float32, relu bool, y *[4][4]float32) {
	// One bounds check, then pointers: a check per load was a third of
	// the function.
	pp := unsafe.Pointer(unsafe.SliceData(p[:15*plane+4]))
	ld := func(i int) archsimd.Float32x4 {
		return archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pp, 4*i*plane)))
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
	b := archsimd.BroadcastFloat32x4(bv)
	y00 := s00.Add(s01).Add(s02).Add(b)
	y01 := s01.Sub(s02).Sub(s03).Add(b)
	y10 := s10.Add(s11).Add(s12).Add(b)
	y11 := s11.Sub(s12).Sub(s13).Add(b)
	if relu {
		var zero archsimd.Float32x4
		y00 = zero.IfElse(y00.Less(zero), y00)
		y01 = zero.IfElse(y01.Less(zero), y01)
		y10 = zero.IfElse(y10.Less(zero), y10)
		y11 = zero.IfElse(y11.Less(zero), y11)
	}
	y00.StoreArray(&y[0])
	y01.StoreArray(&y[1])
	y10.StoreArray(&y[2])
	y11.StoreArray(&y[3])
}

// transformSliver4 is transformWeights for one sliver of four output
// channels m0..m0+3 (all < M): the four kernels of each input channel are
// transformed at once, one per lane, and each of the 16 results is one
// vector store into the sliver's layout (us[xi*st + c*rs:], st floats a
// position's plane, rs a row of the sliver: 4, or 32 for winogradTM's
// slivers, of which these are four columns). Same values,
// same operations in the same order as the scalar code, so the same bits.
// It reports false when it does not apply (not built with vectors).
func transformSliver4(w Weights, us []float32, m0, cCount, st, rs int) bool {
	var sc archsimd.Float32x4
	if w.Q != nil {
		sc = archsimd.LoadFloat32x4Array((*[4]float32)(w.Scales[m0:]))
	}
	half := archsimd.BroadcastFloat32x4(0.5)
	per := cCount * 9
	var k [9][4]float32 // k[j][r]: tap j of channel m0+r's kernel
	for c := 0; c < cCount; c++ {
		if w.Q != nil {
			for r := 0; r < 4; r++ {
				q := (*[9]int8)(w.Q[(m0+r)*per+c*9:])
				for j := 0; j < 9; j++ {
					k[j][r] = float32(q[j])
				}
			}
		} else {
			for r := 0; r < 4; r++ {
				f := (*[9]float32)(w.F[(m0+r)*per+c*9:])
				for j := 0; j < 9; j++ {
					k[j][r] = f[j]
				}
			}
		}
		var g [9]archsimd.Float32x4
		for j := 0; j < 9; j++ {
			g[j] = archsimd.LoadFloat32x4Array(&k[j])
			if w.Q != nil {
				g[j] = g[j].Mul(sc) // float32(q) * s, as Weights.values rounds it
			}
		}
		// q = G g: rows 0..3, three columns each.
		var q [4][3]archsimd.Float32x4
		for j := 0; j < 3; j++ {
			g0, g1, g2 := g[j], g[3+j], g[6+j]
			q[0][j] = g0
			q[1][j] = half.Mul(g0.Add(g1).Add(g2))
			q[2][j] = half.Mul(g0.Sub(g1).Add(g2))
			q[3][j] = g2
		}
		o := c * rs
		for i := 0; i < 4; i++ {
			q0, q1, q2 := q[i][0], q[i][1], q[i][2]
			q0.StoreArray((*[4]float32)(us[(i*4+0)*st+o:]))
			half.Mul(q0.Add(q1).Add(q2)).StoreArray((*[4]float32)(us[(i*4+1)*st+o:]))
			half.Mul(q0.Sub(q1).Add(q2)).StoreArray((*[4]float32)(us[(i*4+2)*st+o:]))
			q2.StoreArray((*[4]float32)(us[(i*4+3)*st+o:]))
		}
	}
	return true
}
