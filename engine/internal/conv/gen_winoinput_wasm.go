//go:build ignore

// gen_winoinput_wasm.go writes winoinput_wasm.s, transformInput4 in
// WebAssembly assembly (see winoinput_wasm.go): its four patch rows and
// four rows of output are the same code on other registers, written once
// here. Run by go generate (generate.go).
package main

import "convscope/engine/internal/wasmasm"

var b = wasmasm.Start("gen_winoinput_wasm.go")

func e(format string, args ...any) { b.I(format, args...) }

func main() {
	b.WriteString(doc)
	b.WriteString("TEXT ·transformInput4Asm(SB), NOSPLIT, $0-40\n")
	e("MOVD src+0(FP), R0")
	e("MOVD dst+8(FP), R2")
	e("MOVD w+16(FP), R1")
	b.Bytes("R1")
	e("MOVD plane+24(FP), R3")
	b.Bytes("R3")
	e("MOVD tbl+32(FP), R4")
	b.WriteString("\n")
	e("// Rows 1 and 2 of the patches: V0-V3, V4-V7.")
	rowPtr(1)
	row(0)
	rowPtr(2)
	row(4)
	b.WriteString("\n")
	e("// b0 = r0 - r2, then its four values of V.")
	rowPtr(0)
	row(8)
	binop("F32x4Sub", 8, 4)
	outRow()
	b.WriteString("\n")
	e("// b1 = r1 + r2.")
	binop("F32x4Add", 0, 4)
	outRow()
	b.WriteString("\n")
	e("// b2 = r2 - r1.")
	binop("F32x4Sub", 4, 0)
	outRow()
	b.WriteString("\n")
	e("// b3 = r1 - r3.")
	rowPtr(3)
	row(8)
	binop("F32x4Sub", 0, 8)
	outRow()
	e("RET")
	b.Save("winoinput_wasm.s")
}

// rowPtr sets R5 to row n of the patches.
func rowPtr(n int) {
	e("Get R0")
	for i := 0; i < n; i++ {
		e("Get R1")
		e("I64Add")
	}
	e("Set R5")
}

// row loads the four columns of the patch row at R5 (four tiles a vector)
// into V(dst)..V(dst+3): the even, then odd, lanes of the loads at 0 and
// 4 floats, then of those at 2 and 6.
func row(dst int) {
	for k, c := range []struct{ lo, hi, t1, t2 int }{{0, 16, 0, 16}, {0, 16, 32, 48}, {8, 24, 0, 16}, {8, 24, 32, 48}} {
		for _, h := range [][2]int{{c.lo, c.t1}, {c.hi, c.t2}} {
			e("Get R5")
			e("I32WrapI64")
			e("V128Load $%d", h[0])
			e("Get R4")
			e("I32WrapI64")
			e("V128Load $%d", h[1])
			e("I8x16Swizzle")
		}
		e("V128Or")
		e("Set V%d", dst+k)
	}
}

// binop sets V8..V11 to V(x+k) op V(y+k).
func binop(op string, x, y int) {
	for k := 0; k < 4; k++ {
		e("Get V%d", x+k)
		e("Get V%d", y+k)
		e(op)
		e("Set V%d", 8+k)
	}
}

// outRow stores (Bt d) B of the row of Bt d in V8..V11, one plane apart.
func outRow() {
	for _, o := range []struct {
		x, y int
		op   string
	}{{8, 10, "F32x4Sub"}, {9, 10, "F32x4Add"}, {10, 9, "F32x4Sub"}, {9, 11, "F32x4Sub"}} {
		e("Get R2")
		e("I32WrapI64")
		e("Get V%d", o.x)
		e("Get V%d", o.y)
		e(o.op)
		e("V128Store")
		e("Get R2")
		e("Get R3")
		e("I64Add")
		e("Set R2")
	}
}

const doc = `// func transformInput4Asm(src, dst *float32, w, plane int, tbl *[4][16]uint8)
//
// See transformInput4 (winoinput_wasm.go). Registers: R0 the patches' first
// row, R1 a row's bytes, R2 the next vector of dst, R3 a plane's bytes,
// R4 the swizzle tables, R5 a row; V0-V3 and V4-V7 the columns of rows 1
// and 2 of the four patches, V8-V11 those of row 0 or 3, then a row of
// Bt d.
`
