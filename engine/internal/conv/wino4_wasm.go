//go:build wasm && goexperiment.simd && !convscope_nosimd

package conv

import "math"

// The assembly is generated (generate.go).

// inputQuad4Wasm is inputQuad4 in assembly (wino4_wasm.s): the same
// operations in the same order, lane by lane, as the scalar bt6, so the
// same bits (TestWinograd4MatchesNaive). In Go (archsimd, inputQuad4Vec)
// the 36 intermediate vectors went through the Go stack with an address
// computation each: Node CPU profile of BenchmarkConv3x3 winograd4 on
// ResNet's 56x56, 28x28 and 14x14 shapes, inputQuad4 took 9.4% of the
// samples against the GEMM kernel's 15.4%.
func inputQuad4Wasm(pc []float32, ln, tilesX, t int, v []float32, plane int) bool {
	_ = pc[23*ln+ln-1]
	_ = v[35*plane+3]
	if t+tilesX+3 >= ln {
		return false
	}
	inputQuad4Asm(&pc[t], ln, tilesX, &v[0], plane, &quad4Tmp.in)
	return true
}

// inputQuads4 is inputQuad4Wasm on n quads of consecutive tiles from t
// (tile t+4i's quad into v[ofs[i]/4:], ofs in bytes) in one call
// (inputQuads4Asm). transformInput4x4 made a call a quad and channel, and
// those calls and their checks took about as long as a third of the
// transform (Node CPU profile of a 16->16 32x32 conv: transformInput4x4's
// own time 3.4%, inputQuad4Wasm and inputQuad4 1.4%, inputQuad4Asm 12%).
func inputQuads4(pc []float32, ln, tilesX, t int, v []float32, plane int, ofs *[maxQuads4]int, n int) bool {
	if n <= 0 || n > maxQuads4 || t < 0 {
		return n == 0
	}
	_ = pc[23*ln+ln-1]
	if t+4*(n-1)+tilesX+3 >= ln {
		return false
	}
	for i := 0; i < n; i++ {
		_ = v[ofs[i]/4+35*plane+3]
	}
	inputQuads4Asm(&pc[t], ln, tilesX, &v[0], plane, &quad4Tmp.in, &ofs[0], n)
	return true
}

// inputQuads4Asm is inputQuads4 without the checks.
//
//go:noescape
func inputQuads4Asm(src *float32, ln, tilesX int, dst *float32, plane int, tmp *[36][4]float32, ofs *int, n int)

// quad4Tmp is the scratch of inputQuad4Asm and outputQuad4Asm, which
// write it before they read it within one call: one for the package, not
// a local array that Go zeroes on every call (576 and 384 bytes). Safe:
// Go runs WebAssembly on one thread, and nothing else runs while an
// assembly function (NOSPLIT, no calls) does.
var quad4Tmp struct {
	in  [36][4]float32
	out [24][4]float32
}

// inputQuad4Asm transforms the four patches whose column phases start at
// src into dst, without checking.
//
//go:noescape
func inputQuad4Asm(src *float32, ln, tilesX int, dst *float32, plane int, tmp *[36][4]float32)

// phasesQuad4 writes the six column runs of n groups of four tiles from
// the padded row src (16n+4 values read) into dst (run q at dst[q*ln:]),
// as phases4's loop writes them: the same values (phasesQuad4Asm). In Go, a value at a time, phases4 took about
// a third of the GEMM kernel's time in winograd4 (Node CPU profile of
// BenchmarkConv3x3 winograd4, ResNet's 3x3 shapes).
func phasesQuad4(src, dst []float32, ln, n int) bool {
	_ = src[16*n+3]
	_ = dst[5*ln+4*n-1]
	phasesQuad4Asm(&src[0], &dst[0], ln, n)
	return true
}

// phasesPlane is phasesQuad4 on the 4*rows padded rows of one channel's
// plane (wp floats apart, 16n+4 read from each): row 4*ty+rr goes to row
// phase rr of tile row ty, at dst[(rr*6)*ln+ty*tilesX:], as phases4Plane
// wrote it with a phasesQuad4 call a row; one call here (phasesPlaneAsm),
// where those calls and their slice checks cost more than the copies
// (Node CPU profile of a 32->64 16x16 conv: phases4Plane's own time 8.8%,
// phasesQuad4Asm's 4.3%).
func phasesPlane(src, dst []float32, ln, n, rows, wp, tilesX int) bool {
	if n < 1 || rows < 1 || wp < 16*n+4 {
		return false
	}
	_ = src[(4*rows-1)*wp+16*n+3]
	_ = dst[23*ln+(rows-1)*tilesX+4*n-1]
	phasesPlaneAsm(&src[0], &dst[0], ln, n, rows, wp, tilesX)
	return true
}

//go:noescape
func phasesPlaneAsm(src, dst *float32, ln, n, rows, wp, tilesX int)

// phasesQuad4Asm is phasesQuad4 without the checks.
//
//go:noescape
func phasesQuad4Asm(src, dst *float32, ln, n int)

// outputQuads4Store is outputQuad4 for quads i0..i1-1 of a block, each
// of four tiles whose 4x4 outputs all lie in out, storing them there
// itself (outputQuad4Asm), in one call: quad i's products at p[ofs[i][0]/4:],
// its tile k's first output row at out[ofs[i][1+k]/4:], rows ow apart
// (ofs in bytes, see transformOutput4x4). Each tile's row one vector, its
// four values taken from the four output columns' vectors with
// f32x4.extract_lane and replace_lane. The same operations in the same
// order as outputTile4, lane by lane: the same bits. In Go (outputQuad4,
// then 16 scalar stores a tile) transformOutput4x4 and outputQuad4 took
// a quarter of the GEMM kernel's time (Node CPU profile of
// BenchmarkConv3x3 winograd4, ResNet's 3x3 shapes); with a call a quad,
// the calls and their checks took about as long as the transform (Node
// CPU profile of a 16->16 32x32 conv: outputQuad4Store's and
// transformOutput4x4's own time 4.4% and 6.2%, outputQuad4Asm's 5.9%).
func outputQuads4Store(p []float32, plane int, bv float32, relu bool, out []float32, ofs *[maxQuads4][5]int, i0, i1, ow int) bool {
	if i0 < 0 || i1 <= i0 {
		return i1 == i0
	}
	for i := i0; i < i1; i++ {
		q := &ofs[i]
		_ = p[q[0]/4+35*plane+3]
		for k := 1; k < 5; k++ {
			_ = out[q[k]/4+3*ow+3]
		}
	}
	r := 0
	if relu {
		r = 1
	}
	outputQuad4Asm(&p[0], plane, int(math.Float32bits(bv)), r, &quad4Tmp.out, &out[0], &ofs[i0], 4*ow, i1-i0)
	return true
}

// outputQuad4Asm is outputQuads4Store without the checks: n quads from
// ofs, rows ld bytes apart.
//
//go:noescape
func outputQuad4Asm(p *float32, plane, bias, relu int, tmp *[24][4]float32, out *float32, ofs *[5]int, ld, n int)
