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

// bt6x4 is bt6 on four tiles at once, one a lane: the same operations in
// the same order, so the same bits.
func bt6x4(r0, r1, r2, r3, r4, r5 archsimd.Float32x4, four, five, two archsimd.Float32x4) (o0, o1, o2, o3, o4, o5 archsimd.Float32x4) {
	o0 = r0.Mul(four).Sub(r2.Mul(five)).Add(r4)
	s12, d12 := r1.Add(r2), r1.Sub(r2)
	o1 = r3.Add(r4).Sub(s12.Mul(four))
	o2 = r4.Sub(r3).Add(d12.Mul(four))
	a, b := r4.Sub(r2), r1.Sub(r3)
	o3 = a.Sub(b.Mul(two))
	o4 = a.Add(b.Mul(two))
	o5 = r1.Mul(four).Sub(r3.Mul(five)).Add(r5)
	return
}

// inputQuad4 is transformInput4x4's V = Bt d B for the four tiles t..t+3
// of one channel's column phases pc (runs ln floats), one a lane, into
// v[xi*plane : xi*plane+4] for the 36 positions xi. Every patch value of
// the four tiles is one vector load (phases4's layout): no shuffle. In
// WebAssembly the assembly (inputQuad4Wasm), elsewhere inputQuad4Vec.
func inputQuad4(pc []float32, ln, tilesX, t int, v []float32, plane int) bool {
	if wasmBuild && wasmQuad4 {
		return inputQuad4Wasm(pc, ln, tilesX, t, v, plane)
	}
	return inputQuad4Vec(pc, ln, tilesX, t, v, plane)
}

// inputQuad4Vec is inputQuad4 with archsimd.
func inputQuad4Vec(pc []float32, ln, tilesX, t int, v []float32, plane int) bool {
	_ = pc[23*ln+ln-1]
	_ = v[35*plane+3]
	if t+tilesX+3 >= ln {
		return false
	}
	pp := unsafe.Pointer(unsafe.SliceData(pc))
	vp := unsafe.Pointer(unsafe.SliceData(v))
	ld := func(r, q int) archsimd.Float32x4 {
		off := t
		if r >= 4 {
			r, off = r-4, t+tilesX
		}
		return archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pp, 4*((r*6+q)*ln+off))))
	}
	four, five, two := archsimd.BroadcastFloat32x4(4), archsimd.BroadcastFloat32x4(5), archsimd.BroadcastFloat32x4(2)
	var e [6][6]archsimd.Float32x4
	for q := 0; q < 6; q++ {
		e[0][q], e[1][q], e[2][q], e[3][q], e[4][q], e[5][q] = bt6x4(ld(0, q), ld(1, q), ld(2, q), ld(3, q), ld(4, q), ld(5, q), four, five, two)
	}
	st := func(xi int, f archsimd.Float32x4) {
		f.StoreArray((*[4]float32)(unsafe.Add(vp, 4*xi*plane)))
	}
	for k := 0; k < 6; k++ {
		f0, f1, f2, f3, f4, f5 := bt6x4(e[k][0], e[k][1], e[k][2], e[k][3], e[k][4], e[k][5], four, five, two)
		st(k*6, f0)
		st(k*6+1, f1)
		st(k*6+2, f2)
		st(k*6+3, f3)
		st(k*6+4, f4)
		st(k*6+5, f5)
	}
	return true
}

// at6x4 is at6 on four tiles at once: the same bits.
func at6x4(m0, m1, m2, m3, m4, m5, two, four, eight archsimd.Float32x4) (y0, y1, y2, y3 archsimd.Float32x4) {
	s12, d12 := m1.Add(m2), m1.Sub(m2)
	s34, d34 := m3.Add(m4), m3.Sub(m4)
	y0 = m0.Add(s12).Add(s34)
	y1 = d12.Add(d34.Mul(two))
	y2 = s12.Add(s34.Mul(four))
	y3 = d12.Add(d34.Mul(eight)).Add(m5)
	return
}

// outputQuad4 is outputTile4 for four consecutive tiles at once (their
// products p[xi*plane : xi*plane+4]), into ys[i][j][0..3]: the same bits.
func outputQuad4(p []float32, plane int, bv float32, relu bool, ys *[4][4][4]float32) bool {
	_ = p[35*plane+3]
	pp := unsafe.Pointer(unsafe.SliceData(p))
	ld := func(xi int) archsimd.Float32x4 {
		return archsimd.LoadFloat32x4Array((*[4]float32)(unsafe.Add(pp, 4*xi*plane)))
	}
	two, four, eight := archsimd.BroadcastFloat32x4(2), archsimd.BroadcastFloat32x4(4), archsimd.BroadcastFloat32x4(8)
	var e [4][6]archsimd.Float32x4
	for j := 0; j < 6; j++ {
		e[0][j], e[1][j], e[2][j], e[3][j] = at6x4(ld(j), ld(6+j), ld(12+j), ld(18+j), ld(24+j), ld(30+j), two, four, eight)
	}
	b := archsimd.BroadcastFloat32x4(bv)
	var zero archsimd.Float32x4
	for i := 0; i < 4; i++ {
		y0, y1, y2, y3 := at6x4(e[i][0], e[i][1], e[i][2], e[i][3], e[i][4], e[i][5], two, four, eight)
		y0, y1, y2, y3 = y0.Add(b), y1.Add(b), y2.Add(b), y3.Add(b)
		if relu {
			y0 = zero.IfElse(y0.Less(zero), y0)
			y1 = zero.IfElse(y1.Less(zero), y1)
			y2 = zero.IfElse(y2.Less(zero), y2)
			y3 = zero.IfElse(y3.Less(zero), y3)
		}
		y0.StoreArray(&ys[i][0])
		y1.StoreArray(&ys[i][1])
		y2.StoreArray(&ys[i][2])
		y3.StoreArray(&ys[i][3])
	}
	return true
}
