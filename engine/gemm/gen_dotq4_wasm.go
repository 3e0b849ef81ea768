//go:build ignore

// gen_dotq4_wasm.go writes dotq4_wasm_simd.s, dotQ4SIMD128Asm's loop in
// WebAssembly assembly (see dotq4_wasm_simd.go): its four rows are the
// same code on other registers, written once here. Run by go generate
// (generate.go).
package main

import "convscope/engine/internal/wasmasm"

var b = wasmasm.Start("gen_dotq4_wasm.go")

func e(format string, args ...any) { b.I(format, args...) }

func main() {
	b.WriteString(doc)
	b.WriteString("TEXT ·dotQ4Asm(SB), NOSPLIT, $0-56\n")
	e("MOVD x+0(FP), R0")
	for r := 0; r < 4; r++ {
		e("MOVD q%d+%d(FP), R%d", r, 8+8*r, r+1)
	}
	e("MOVD n16+40(FP), R5")
	e("MOVD acc+48(FP), R6")
	e("I32Const $0")
	e("I32x4Splat")
	e("Set V0")
	for i := 1; i < 8; i++ {
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
	for r := 0; r < 4; r++ {
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
	for r := 1; r <= 4; r++ {
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
	for i := 0; i < 8; i++ {
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
	b.Save("dotq4_wasm_simd.s")
}

// term adds to accumulator acc a quarter of the row's 16 weights, widened
// (ext16 then ext32) and converted, times the x vector xv.
func term(acc int, ext16, ext32 string, xv int) {
	e("Get V%d", acc)
	e("Get V12")
	e(ext16)
	e(ext32)
	e("F32x4ConvertI32x4S")
	e("Get V%d", xv)
	e("F32x4Mul")
	e("F32x4Add")
	e("Set V%d", acc)
}

const doc = `// func dotQ4Asm(x *float32, q0, q1, q2, q3 *int8, n16 int, acc *[8][4]float32)
//
// dotQ4SIMD128's loop over n16 blocks of 16 values (see dotQ4SIMD128Asm):
// R0 x, R1-R4 the rows, R5 blocks left, R6 acc; V0-V7 the accumulators
// (row r: a in V2r, b in V2r+1), V8-V11 the 16 values of x, V12 16 int8
// weights of a row, widened on the stack where each quarter is used.
`
