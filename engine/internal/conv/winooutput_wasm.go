//go:build wasm && goexperiment.simd && !convscope_nosimd

package conv

import "math"

// storeOut4 writes the 2x2 outputs of four consecutive tiles of a tile row
// (ys as winoOut4 leaves them: ys[0] the four tiles' y00, ys[1] y01, ys[2]
// y10, ys[3] y11) into y at o (rows w apart): y00, y01 of each tile in
// turn on the first row, y10, y11 on the second, as on amd64
// (winooutput_amd64.go). The assembly (winooutput_wasm.s) interleaves
// lanes with i8x16.swizzle and v128.or (archsimd has no shuffle for
// WebAssembly) and stores four vectors; in Go the 16 scalar stores, each
// with its bounds check and address arithmetic, took three times
// winoOut4's vector arithmetic (Node CPU profile of GoogLeNet, plain
// SIMD build: transformOutput 6.2% of samples, winoOut4 1.9%, the GEMM
// kernels 41%). transformOutput alone on a block of 64 output channels,
// scalar stores / storeOut4 alternating in one Node process, min of 40
// rounds (host load about 118): 28x28 256 / 223 us, 14x14 61.5 / 51.3,
// 13x13 62.3 / 54.2, 7x7 (no quad fits a row) 21.0 / 21.9. Only quads in
// one tile row: a form for any four whole tiles (two 64-bit stores a
// tile, the cut ones in Go) cost as much as the scalar stores on 14x14
// and more on 13x13 and 7x7. The same values stored: the same bits.
func storeOut4(y []float32, o, w int, ys *[4][4]float32) bool {
	_ = y[o : o+w+8]
	storeOut4Asm(&y[o], w, ys, &interleave)
	return true
}

// interleave are storeOut4Asm's swizzle tables: lanes 0 and 1 of a vector
// into lanes 0 and 2 of the result, of b into lanes 1 and 3; then lanes 2
// and 3 likewise. An index of 16 or more gives a zero byte.
var interleave = [4][16]uint8{
	{0, 1, 2, 3, 128, 128, 128, 128, 4, 5, 6, 7, 128, 128, 128, 128},
	{128, 128, 128, 128, 0, 1, 2, 3, 128, 128, 128, 128, 4, 5, 6, 7},
	{8, 9, 10, 11, 128, 128, 128, 128, 12, 13, 14, 15, 128, 128, 128, 128},
	{128, 128, 128, 128, 8, 9, 10, 11, 128, 128, 128, 128, 12, 13, 14, 15},
}

// storeOut4Asm stores ys's rows at dst (rows w floats apart) as storeOut4
// does, without checking.
//
//go:noescape
func storeOut4Asm(dst *float32, w int, ys *[4][4]float32, tbl *[4][16]uint8)

// winoOutWide (16 tiles at once, amd64 with AVX-512) has no WebAssembly
// form: SIMD128 vectors hold four tiles.
func winoOutWide(p []float32, plane int, bv float32, relu bool, out []float32, oh, ow, tilesX, n int, tx, ty *int) {
	panic("winoOutWide without wideVectors")
}

func wideVectors() bool { return false }

// winoOutStore4 is winoOut4 then storeOut4 (four whole tiles of one tile
// row, their 2x2 outputs at y[o:] and y[o+w:]) in one assembly function
// (winoOutStore4Asm): the same operations in the same order, lane by
// lane, and the same stores, so the same bits. In Go the 16 product
// vectors and the four results went through the Go stack (archsimd), and
// winoOut4, transformOutput's loop and storeTiles took 13% of the Winograd
// convs of 8x8 maps (Node CPU profile, relaxed build), a fifth of the
// GEMM kernel's time.
func winoOutStore4(p []float32, plane int, bv float32, relu bool, y []float32, o, w int) bool {
	_ = p[15*plane+3]
	_ = y[o+w+7]
	r := 0
	if relu {
		r = 1
	}
	winoOutStore4Asm(&p[0], plane, int(math.Float32bits(bv)), r, &y[o], w, &interleave)
	return true
}

// winoOutStore4Asm is winoOutStore4 without the checks.
//
//go:noescape
func winoOutStore4Asm(p *float32, plane, bias, relu int, dst *float32, w int, tbl *[4][16]uint8)

// winoOutStores4 is winoOutStore4 on quads i0..i1-1 of a block in one call
// (winoOutStore4NAsm): quad i's products at p[ofs[i][0]/4:], its outputs at
// y[ofs[i][1]/4:] and a row (w) on (ofs in bytes, see transformOutput). On
// 8x8 maps (four quads a sliver pair, one a tile row), transformOutput's
// call a quad, its checks and the divisions placing it took about as long
// as the transform (Node CPU profile of a 64->64 8x8 conv, relaxed build:
// transformOutput's own time 6.0%, winoOutStore4's 2.6%, winoOutStore4Asm's
// 4.3%).
func winoOutStores4(p []float32, plane int, bv float32, relu bool, y []float32, ofs *[winoMaxTiles / 4][2]int, i0, i1, w int) bool {
	if i0 < 0 || i1 <= i0 {
		return i1 == i0
	}
	for i := i0; i < i1; i++ {
		_ = p[ofs[i][0]/4+15*plane+3]
		_ = y[ofs[i][1]/4+w+7]
	}
	r := 0
	if relu {
		r = 1
	}
	winoOutStore4NAsm(&p[0], plane, int(math.Float32bits(bv)), r, &y[0], w, &interleave, &ofs[i0], i1-i0)
	return true
}

// winoOutStore4NAsm is winoOutStores4 without the checks.
//
//go:noescape
func winoOutStore4NAsm(p *float32, plane, bias, relu int, out *float32, w int, tbl *[4][16]uint8, ofs *[2]int, n int)
