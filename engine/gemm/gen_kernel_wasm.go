//go:build ignore

// gen_kernel_wasm.go writes kernel_wasm_simd4x8.s, SIMD128's register tile
// in WebAssembly assembly (see kernel_wasm_simd4x8.go): the plain kernel
// and the one over a broadcast A sliver share all but four loads of their
// loop, and the four rows of the loop and of the store are the same code
// on other registers, so they are written once here. Run by go generate
// (generate.go).
package main

import (
	"fmt"

	"convscope/engine/internal/wasmasm"
)

var b = wasmasm.Start("gen_kernel_wasm.go")

func e(format string, args ...any) { b.I(format, args...) }

func main() {
	// MADD: f32x4.relaxed_madd in the relaxed-SIMD build, mul then add
	// otherwise (madd_wasm.h).
	b.WriteString("#include \"go_asm.h\"\n#include \"madd_wasm.h\"\n\n")
	b.WriteString(docPlain)
	kernel("kernelSIMD128x4x8Asm", false, 2)
	b.WriteString("\n")
	b.WriteString(docBcast)
	kernel("kernelSIMD128x4x8BcastAsm", true, 2)
	b.WriteString("\n")
	b.WriteString(docEdge)
	kernel("kernelSIMD128x4x4Asm", false, 1)
	b.Save("kernel_wasm_simd4x8.s")
}

// kernel writes one TEXT: for each of the tiles A slivers (consecutive in
// a, the same B sliver), the loop over kc steps, then the store into C,
// whose rows, bias and residual move down 4 rows a tile. nb is the B
// vectors of a step (2: the 4x8 tile; 1: its first 4 columns).
func kernel(name string, bcast bool, nb int) {
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $0-160\n", name)
	e("MOVD tiles+8(FP), R8")
	e("MOVD a_base+16(FP), R1")
	e("MOVD ldc+88(FP), R4")
	b.Bytes("R4")
	e("MOVD c_base+64(FP), R9")
	e("MOVD flags+96(FP), R6")
	e("MOVD bias_base+104(FP), R3")
	e("MOVD add_base+128(FP), R10")
	e("MOVD ldb+152(FP), R11")
	b.Bytes("R11")
	e("I32Const $0")
	e("I32x4Splat")
	e("Set V11")
	b.WriteString("\n")
	e("// One tile an iteration: R8 tiles left, R9 its row 0 in C, R10 in add.")
	e("Block")
	e("Loop")
	e("Get R8")
	e("I64Eqz")
	e("BrIf $1")
	e("MOVD kc+0(FP), R0")
	e("MOVD b_base+40(FP), R2")
	for i := 0; i < 4; i++ {
		for j := 0; j < nb; j++ {
			e("Get V11")
			e("Set V%d", 2*i+j)
		}
	}
	b.WriteString("\n")
	e("Block")
	e("Loop")
	e("Get R0")
	e("I64Eqz")
	e("BrIf $1")
	b.WriteString("\n")
	for j := 0; j < nb; j++ {
		e("Get R2")
		e("I32WrapI64")
		e("V128Load $%d", 16*j)
		e("Set V%d", 8+j)
	}
	for i := 0; i < 4; i++ {
		b.WriteString("\n")
		e("// Row %d.", i)
		e("Get R1")
		e("I32WrapI64")
		if bcast {
			e("V128Load $%d", 16*i)
		} else {
			e("SPLAT4(%d)", 4*i)
		}
		e("Set V10")
		for j := 0; j < nb; j++ {
			e("Get V10")
			e("Get V%d", 8+j)
			e("MADD(V%d)", 2*i+j)
			e("Set V%d", 2*i+j)
		}
	}
	b.WriteString("\n")
	astep := 16
	if bcast {
		astep = 64
	}
	e("Get R1")
	e("I64Const $%d", astep)
	e("I64Add")
	e("Set R1")
	e("Get R2")
	e("Get R11")
	e("I64Add")
	e("Set R2")
	e("Get R0")
	e("I64Const $1")
	e("I64Sub")
	e("Set R0")
	e("Br $0")
	e("End")
	e("End")
	store(nb)
	b.WriteString("\n")
	e("// The next tile: R1 is at the next A sliver already; C and add 4")
	e("// rows down, bias 4 values on.")
	for _, r := range []string{"R9", "R10"} {
		e("Get %s", r)
		e("Get R4")
		e("I64Const $2")
		e("I64Shl")
		e("I64Add")
		e("Set %s", r)
	}
	e("Get R3")
	e("I64Const $16")
	e("I64Add")
	e("Set R3")
	e("Get R8")
	e("I64Const $1")
	e("I64Sub")
	e("Set R8")
	e("Br $0")
	e("End")
	e("End")
	e("RET")
}

// flag pushes flags&bit != 0 (flags in R6).
func flag(bit int) {
	e("Get R6")
	e("I64Const $%d", bit)
	e("I64And")
	e("I64Eqz")
	e("I32Eqz")
}

// store writes the tile's rows into C with the epilogue of the flags (R6),
// row 0 at R9 in C and at R10 in add, the bias at R3, ldc*4 in R4.
func store(nb int) {
	b.WriteString("\n")
	e("// The tile into C, row by row (R5 the row in C, R7 the row in add).")
	e("Get R9")
	e("Set R5")
	e("Get R10")
	e("Set R7")
	for i := 0; i < 4; i++ {
		v0, v1 := 2*i, 2*i+1
		vs := []int{v0, v1}[:nb]
		b.WriteString("\n")
		e("// Row %d.", i)
		flag(1)
		e("I32Eqz")
		e("If")
		for j, v := range vs {
			e("Get R5")
			e("I32WrapI64")
			e("V128Load $%d", 16*j)
			e("Get V%d", v)
			e("F32x4Add")
			e("Set V%d", v)
		}
		e("End")
		flag(2)
		e("If")
		flag(8)
		e("If")
		e("Get R3")
		e("I32WrapI64")
		e("F32Load $%d", 4*i)
		e("F32x4Splat")
		e("Set V10")
		for _, v := range vs {
			e("Get V%d", v)
			e("Get V10")
			e("F32x4Add")
			e("Set V%d", v)
		}
		e("End")
		flag(16)
		e("If")
		for j, v := range vs {
			e("Get V%d", v)
			e("Get R7")
			e("I32WrapI64")
			e("V128Load $%d", 16*j)
			e("F32x4Add")
			e("Set V%d", v)
		}
		e("End")
		flag(4)
		e("If")
		for _, v := range vs {
			// zero.IfElse(v.Less(zero), v): lanes below zero become zero.
			e("Get V11")
			e("Get V%d", v)
			e("Get V%d", v)
			e("Get V11")
			e("F32x4Lt")
			e("V128Bitselect")
			e("Set V%d", v)
		}
		e("End")
		e("End")
		e("Get R5")
		e("I32WrapI64")
		e("Get V%d", v0)
		e("V128Store")
		if nb == 2 {
			e("Get R5")
			e("I32WrapI64")
			e("I32Const $16")
			e("I32Add")
			e("Get V%d", v1)
			e("V128Store")
		}
		if i < 3 {
			e("Get R5")
			e("Get R4")
			e("I64Add")
			e("Set R5")
			e("Get R7")
			e("Get R4")
			e("I64Add")
			e("Set R7")
		}
	}
}

const docPlain = `// func kernelSIMD128x4x8Asm(kc, tiles int, a, b, c []float32, ldc, flags int, bias, add []float32, ldb int)
//
// SIMD128's register tile (see kernelSIMD128x4x8 in kernel_wasm_simd4x8.go,
// which has the same operations), on tiles vertically adjacent tiles of C
// one after the other: tile t is A sliver t (consecutive in a) times the
// one B sliver, stored at rows 4t..4t+3 of c, bias and add. For p < kc,
// with the A sliver at a (4 floats a step) and the B sliver at b (8 floats
// a step, ldb floats apart: 8 packed, B's row stride read in place), each of the 4 rows' A value is splat to a vector (SPLAT4,
// madd_wasm.h: in the relaxed-SIMD build one v128.load32_splat, which V8
// makes one vbroadcastss from memory, instead of f32.load then
// f32x4.splat, two instructions) and multiplied by the two B vectors, each product added to its accumulator (f32x4.mul
// then f32x4.add, as archsimd's MulAdd lowers; f32x4.relaxed_madd in the
// relaxed-SIMD build: MADD, madd_wasm.h). Then the tile is stored
// into C as
// storeTileAddSIMD128x8 stores it: row i at c[i*ldc:i*ldc+8], added to
// what is there unless flags&1 (first); if flags&2 (last), bias[i] added
// when flags&8, the row of add (laid out as c) added when flags&16, and
// lanes below zero set to zero when flags&4 (ReLU). Fn is this with c the
// 4x8 acc (ldc 8), flags 1 and tiles 1.
//
// Written in assembly for two things Go's wasm backend does not give:
// constant offsets folded into the loads' memarg (Go computes every
// address with an i64 add and a wrap), and one step per loop iteration
// without the cost of Go's loop (slice checks, a jump through the
// function's block table). V8's TurboFan hoists all loads of an unrolled
// body to its top and then spills them and the accumulators to its stack
// (about 40 moves per four steps in the Go kernel); one step per
// iteration keeps its 12 vectors in registers. Node, kc 256 and 1024 in
// L1/L2, interleaved best of 15: Go kernel 31-32 GFLOP/s, this 40-41.
// Storing the tile here saves the store function's call and the trip of
// the accumulators through acc. The loop over a block's tiles is here too
// (tileRowsSIMD128x4x8): a call per tile from the packed path's Go loop
// (its checks, the arguments through the Go stack) cost about a third of
// a tile of 64 steps.
//
// Registers: R8 tiles left, R0 steps left, R1 a, R2 b (addresses in
// linear memory), R11 ldb*4, R9 R10 R3 the tile's row 0 in c, in add, its
// bias;
// V0-V7 accumulators (row i: V2i columns 0-3, V2i+1 columns 4-7), V8 V9
// the B vectors, V10 the splat A value (then the bias), V11 zero. The
// caller checks the lengths (kernelSIMD128x4x8Checked, tileSIMD128x4x8).
`

const docEdge = `// func kernelSIMD128x4x4Asm(kc, tiles int, a, b, c []float32, ldc, flags int, bias, add []float32, ldb int)
//
// kernelSIMD128x4x8Asm on the first 4 columns of the B sliver only (one B
// vector a step, 4 accumulators), storing 4 columns a row: the last sliver
// of a product whose n is 4 more than a multiple of 8 (14x14 maps: 196
// columns, ResNet-50's layer3 and GoogLeNet's inception4), which the Go
// edge kernel (edgeSIMD128x4x4) took at a fraction of this speed. Each lane
// gets the 4x8 tile's operations, so its bits.
`

const docBcast = `// func kernelSIMD128x4x8BcastAsm(kc, tiles int, a, b, c []float32, ldc, flags int, bias, add []float32, ldb int)
//
// kernelSIMD128x4x8Asm over an A sliver packed broadcast (broadcastSIMD128:
// each value stored 4 times, 16 floats a step): the A vectors are loaded,
// not splat, which takes the shuffles out of the loop. The same products
// and sums in the same order, so the same bits.
`
