//go:build wasm && goexperiment.simd && !convscope_nosimd

package conv

// The assembly is generated (generate.go).

// transformInput4 is transformInput's V = Bt d B for four consecutive
// tiles of one tile row, all inside the image, whose 4x4 patches start at
// img[p], img[p+2], img[p+4], img[p+6] (rows w apart), as on amd64
// (winoinput_amd64.go): lane k of each vector is tile k, and the four
// tiles' 16 values go to v[q+i*plane : q+i*plane+4]. Row j of a patch is
// every other value of the image row from p+j: archsimd has no shuffle for
// WebAssembly, so the assembly (winoinput_wasm.s) takes the even and odd
// lanes of two loads with two i8x16.swizzle and an or each. Same
// operations in the same order as the scalar code, lane by lane: the same
// bits (TestTransformInputVectorSameBits). Node, Winograd convs of 64
// channels at 56x56, 128 at 28x28 and 256 at 14x14 run 200 times each, CPU
// profile: the input transform took 52% of the products' time with the
// scalar loop, 35% with this, and the whole convs about 7% less.
func transformInput4(img []float32, p, w int, v []float32, q, plane int) bool {
	_, _ = img[p:p+3*w+10], v[q:q+15*plane+4]
	transformInput4Asm(&img[p], &v[q], w, plane, &deinterleave)
	return true
}

// deinterleave are transformInput4Asm's swizzle tables: the bytes of lanes
// 0 and 2 of a vector into lanes 0-1 (then 2-3) of the result, then those
// of lanes 1 and 3; an index of 16 or more gives a zero byte.
var deinterleave = [4][16]uint8{
	{0, 1, 2, 3, 8, 9, 10, 11, 128, 128, 128, 128, 128, 128, 128, 128},
	{128, 128, 128, 128, 128, 128, 128, 128, 0, 1, 2, 3, 8, 9, 10, 11},
	{4, 5, 6, 7, 12, 13, 14, 15, 128, 128, 128, 128, 128, 128, 128, 128},
	{128, 128, 128, 128, 128, 128, 128, 128, 4, 5, 6, 7, 12, 13, 14, 15},
}

// transformInput4Asm reads the patches at src (rows w floats apart) and
// writes the 16 vectors at dst, plane floats apart, without checking.
//
//go:noescape
func transformInput4Asm(src, dst *float32, w, plane int, tbl *[4][16]uint8)

// transformInputWide (16 or 8 tiles at once, amd64 with AVX-512) has no
// WebAssembly form: SIMD128 vectors hold four tiles.
func transformInputWide(img []float32, p, w int, v []float32, q, plane int, wide bool) {
	panic("transformInputWide without wideVectors")
}

// padRowWide (AVX-512) has no WebAssembly form.
func padRowWide(row, src []float32, pl int) {
	panic("padRowWide without wideVectors")
}
