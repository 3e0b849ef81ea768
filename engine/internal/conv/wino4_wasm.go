//go:build wasm && goexperiment.simd && !convscope_nosimd

package conv

import (
	"math"
	"unsafe"
)

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

// phasesQuad4Asm is phasesQuad4 without the checks.
//
//go:noescape
func phasesQuad4Asm(src, dst *float32, ln, n int)

// outputQuad4Store is outputQuad4 for four tiles whose 4x4 outputs all lie
// in out (tile k's first row at offs[k], rows ow apart), storing them
// there itself (outputQuad4Asm): each tile's row one vector, its four
// values taken from the four output columns' vectors with
// f32x4.extract_lane and replace_lane. The same operations in the same
// order as outputTile4, lane by lane: the same bits. In Go (outputQuad4,
// then 16 scalar stores a tile) transformOutput4x4 and outputQuad4 took
// a quarter of the GEMM kernel's time (Node CPU profile of
// BenchmarkConv3x3 winograd4, ResNet's 3x3 shapes).
func outputQuad4Store(p []float32, plane int, bv float32, relu bool, out []float32, offs *[4]int, ow int) bool {
	_ = p[35*plane+3]
	var dst, ld [4]int
	for k, o := range offs {
		_ = out[o+3*ow+3]
		dst[k] = int(uintptr(unsafe.Pointer(&out[o])))
		ld[k] = 4 * ow
	}
	r := 0
	if relu {
		r = 1
	}
	outputQuad4Asm(&p[0], plane, int(math.Float32bits(bv)), r, &quad4Tmp.out, &dst, &ld)
	return true
}

// outputQuad4Asm is outputQuad4Store without the checks; dst and ld are
// the tiles' addresses and row strides in bytes.
//
//go:noescape
func outputQuad4Asm(p *float32, plane, bias, relu int, tmp *[24][4]float32, dst, ld *[4]int)
