//go:build ignore

// gen_dotq4_wasm.go writes dotq4_wasm_simd.s, dotQ4SIMD128Asm's loop in
// WebAssembly assembly (see dotq4_wasm_simd.go), and the same loop on one
// row for dotQSIMD128Asm: each row is the same code on other registers,
// written once here. Run by go generate (generate.go).
package main

import (
	"fmt"

	"convscope/engine/internal/wasmasm"
)

var b = wasmasm.Start("gen_dotq4_wasm.go")

func e(format string, args ...any) { b.I(format, args...) }

func main() {
	b.WriteString("#include \"go_asm.h\"\n#include \"madd_wasm.h\"\n\n")
	b.WriteString(doc4)
	dotQ("dotQ4Asm", 4)
	b.WriteString("\n")
	b.WriteString(doc1)
	dotQ("dotQ1Asm", 1)
	b.Save("dotq4_wasm_simd.s")
}

// dotQ writes function name over rows rows: R0 x, R1..R{rows} the rows,
// R5 blocks left, R6 acc; row r's accumulators a and b in V2r and V2r+1,
// the 16 values of x in V8-V11, a row's 16 int8 weights in V12.
func dotQ(name string, rows int) {
	args := 8 * (rows + 3)
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, args)
	e("MOVD x+0(FP), R0")
	if rows == 1 {
		e("MOVD q+8(FP), R1")
	} else {
		for r := 0; r < rows; r++ {
			e("MOVD q%d+%d(FP), R%d", r, 8+8*r, r+1)
		}
	}
	e("MOVD n16+%d(FP), R5", 8+8*rows)
	e("MOVD acc+%d(FP), R6", 16+8*rows)
	e("I32Const $0")
	e("I32x4Splat")
	e("Set V0")
	for i := 1; i < 2*rows; i++ {
		e("Get V0")
		e("Set V%d", i)
	}
	e("Block")
	e("Loop")
	e("Get R5")
	e("I64Eqz")
	e("BrIf $1")
	for k := 0; k < 4; k++ {
		e("Get R0")
		e("I32WrapI64")
		e("V128Load $%d", 16*k)
		e("Set V%d", 8+k)
	}
	for r := 0; r < rows; r++ {
		a, c := 2*r, 2*r+1
		e("// Row %d.", r)
		e("Get R%d", r+1)
		e("I32WrapI64")
		e("V128Load $0")
		e("Set V12")
		term(a, "I16x8ExtendLowI8x16S", "I32x4ExtendLowI16x8S", 8)
		term(c, "I16x8ExtendLowI8x16S", "I32x4ExtendHighI16x8S", 9)
		term(a, "I16x8ExtendHighI8x16S", "I32x4ExtendLowI16x8S", 10)
		term(c, "I16x8ExtendHighI8x16S", "I32x4ExtendHighI16x8S", 11)
	}
	e("Get R0")
	e("I64Const $64")
	e("I64Add")
	e("Set R0")
	for r := 1; r <= rows; r++ {
		e("Get R%d", r)
		e("I64Const $16")
		e("I64Add")
		e("Set R%d", r)
	}
	e("Get R5")
	e("I64Const $1")
	e("I64Sub")
	e("Set R5")
	e("Br $0")
	e("End")
	e("End")
	for i := 0; i < 2*rows; i++ {
		e("Get R6")
		e("I32WrapI64")
		if i > 0 {
			e("I32Const $%d", 16*i)
			e("I32Add")
		}
		e("Get V%d", i)
		e("V128Store")
	}
	e("RET")
}

// term adds to accumulator acc a quarter of the row's 16 weights, widened
// (ext16 then ext32) and converted, times the x vector xv: MADD, a
// multiply then an add (the product added to acc: the same bits as acc
// plus the product), or one relaxed_madd in the relaxed-SIMD build.
func term(acc int, ext16, ext32 string, xv int) {
	e("Get V12")
	e(ext16)
	e(ext32)
	e("F32x4ConvertI32x4S")
	e("Get V%d", xv)
	e("MADD(V%d)", acc)
	e("Set V%d", acc)
}

const doc4 = `// func dotQ4Asm(x *float32, q0, q1, q2, q3 *int8, n16 int, acc *[8][4]float32)
//
// dotQ4SIMD128's loop over n16 blocks of 16 values (see dotQ4SIMD128Asm):
// R0 x, R1-R4 the rows, R5 blocks left, R6 acc; V0-V7 the accumulators
// (row r: a in V2r, b in V2r+1), V8-V11 the 16 values of x, V12 16 int8
// weights of a row, widened on the stack where each quarter is used, each
// quarter's products added by MADD (madd_wasm.h: f32x4.mul then f32x4.add,
// or f32x4.relaxed_madd in the relaxed-SIMD build).
`

const doc1 = `// func dotQ1Asm(x *float32, q *int8, n16 int, acc *[2][4]float32)
//
// dotQ4Asm on one row (dotQSIMD128Asm): the same operations as its row 0,
// so that a row gives the same bits through DotQ as through DotQ4 in
// either build.
`
