//go:build ignore

// gen_wino4_wasm.go writes wino4_wasm.s, inputQuad4Asm in WebAssembly
// assembly (see wino4_wasm.go): Bt's six rows on six columns and then on
// six rows are the same code on other registers, written once here. Run
// by go generate (generate.go).
package main

import (
	"fmt"

	"convscope/engine/internal/wasmasm"
)

var b = wasmasm.Start("gen_wino4_wasm.go")

func e(format string, args ...any) { b.I(format, args...) }

func main() {
	b.WriteString(doc)
	b.WriteString("TEXT ·inputQuad4Asm(SB), NOSPLIT, $0-48\n")
	e("MOVD src+0(FP), R0")
	inputPrologue()
	e("MOVD dst+24(FP), R4")
	inputQuad()
	e("RET")
	b.WriteString("\n")
	b.WriteString(quadsDoc)
	b.WriteString("TEXT ·inputQuads4Asm(SB), NOSPLIT, $0-64\n")
	e("MOVD src+0(FP), R7")
	inputPrologue()
	e("MOVD dst+24(FP), R13")
	e("MOVD ofs+48(FP), R14")
	e("MOVD n+56(FP), R15")
	e("Block")
	e("Loop")
	e("Get R15")
	e("I64Eqz")
	e("BrIf $1")
	e("Get R7")
	e("Set R0")
	e("Get R13")
	e("Get R14")
	e("I32WrapI64")
	e("I64Load $0")
	e("I64Add")
	e("Set R4")
	inputQuad()
	e("Get R7")
	e("I64Const $16")
	e("I64Add")
	e("Set R7")
	e("Get R14")
	e("I64Const $8")
	e("I64Add")
	e("Set R14")
	e("Get R15")
	e("I64Const $1")
	e("I64Sub")
	e("Set R15")
	e("Br $0")
	e("End")
	e("End")
	e("RET")
	b.WriteString("\n")
	phases()
	b.WriteString("\n")
	output()
	b.Save("wino4_wasm.s")
}

// inputPrologue loads inputQuad4Asm's arguments but src and dst: R1 a
// run's bytes, R2 a tile row's, R5 a plane's, R6 tmp, R3 six runs', and
// the constants 4, 5 and 2 in V12-V14.
func inputPrologue() {
	e("MOVD ln+8(FP), R1")
	b.Bytes("R1")
	e("MOVD tilesX+16(FP), R2")
	b.Bytes("R2")
	e("MOVD plane+32(FP), R5")
	b.Bytes("R5")
	e("MOVD tmp+40(FP), R6")
	// R3 = 6*ln*4: from one row phase to the next.
	e("Get R1")
	e("I64Const $6")
	e("I64Mul")
	e("Set R3")
	// The constants 4, 5 and 2 (float32 bits).
	splat(12, 0x40800000)
	splat(13, 0x40A00000)
	splat(14, 0x40000000)
	b.WriteString("\n")
}

// inputQuad transforms the quad whose column phases start at R0 into the
// 16 vectors from R4, a plane apart (R0 and R4 move).
func inputQuad() {
	for q := 0; q < 6; q++ {
		e("// Column %d of the patches: rows 0-3 at R0 + rr*R3, rows 4-5 a tile row on (R2).", q)
		add("R8", "R0", "R3")
		add("R9", "R8", "R3")
		add("R10", "R9", "R3")
		add("R11", "R0", "R2")
		add("R12", "R8", "R2")
		for r, reg := range []string{"R0", "R8", "R9", "R10", "R11", "R12"} {
			e("Get %s", reg)
			e("I32WrapI64")
			e("V128Load $0")
			e("Set V%d", r)
		}
		// Bt d of the column, into tmp[k][q].
		bt6(func(k int) (string, int) { return "R6", (k*6 + q) * 16 })
		add("R0", "R0", "R1")
		b.WriteString("\n")
	}
	for k := 0; k < 6; k++ {
		e("// Row %d of Bt d (tmp), then (Bt d) B into dst, a plane apart.", k)
		for q := 0; q < 6; q++ {
			e("Get R6")
			e("I32WrapI64")
			e("V128Load $%d", (k*6+q)*16)
			e("Set V%d", q)
		}
		bt6(func(j int) (string, int) { return "R4", -1 })
		b.WriteString("\n")
	}
}

// phases writes phasesQuad4Asm and phasesPlaneAsm.
func phases() {
	b.WriteString(phasesDoc)
	b.WriteString("TEXT ·phasesQuad4Asm(SB), NOSPLIT, $0-32\n")
	e("MOVD src+0(FP), R0")
	e("MOVD dst+8(FP), R2")
	e("MOVD ln+16(FP), R1")
	b.Bytes("R1")
	e("MOVD n+24(FP), R3")
	phasesGroups()
	e("RET")
	b.WriteString("\n")
	b.WriteString(phasesPlaneDoc)
	b.WriteString("TEXT ·phasesPlaneAsm(SB), NOSPLIT, $0-56\n")
	e("MOVD src+0(FP), R6")
	e("MOVD dst+8(FP), R7")
	e("MOVD ln+16(FP), R1")
	b.Bytes("R1")
	e("MOVD n+24(FP), R11")
	e("MOVD rows+32(FP), R10")
	e("MOVD wp+40(FP), R13")
	b.Bytes("R13")
	e("MOVD tilesX+48(FP), R14")
	b.Bytes("R14")
	// R12 = 6 runs' bytes: from one row phase to the next.
	e("Get R1")
	e("I64Const $6")
	e("I64Mul")
	e("Set R12")
	e("Block")
	e("Loop")
	e("Get R10")
	e("I64Eqz")
	e("BrIf $1")
	e("Get R7")
	e("Set R9")
	e("I64Const $4")
	e("Set R8")
	e("Block")
	e("Loop")
	e("Get R8")
	e("I64Eqz")
	e("BrIf $1")
	e("Get R6")
	e("Set R0")
	e("Get R9")
	e("Set R2")
	e("Get R11")
	e("Set R3")
	phasesGroups()
	add("R6", "R6", "R13")
	add("R9", "R9", "R12")
	e("Get R8")
	e("I64Const $1")
	e("I64Sub")
	e("Set R8")
	e("Br $0")
	e("End")
	e("End")
	add("R7", "R7", "R14")
	e("Get R10")
	e("I64Const $1")
	e("I64Sub")
	e("Set R10")
	e("Br $0")
	e("End")
	e("End")
	e("RET")
}

// phasesGroups writes the loop over R3 groups of four tiles of one padded
// row: R0 the row (src), R2 run 0 of the group (dst), R1 a run's bytes.
func phasesGroups() {
	e("Block")
	e("Loop")
	e("Get R3")
	e("I64Eqz")
	e("BrIf $1")
	for k := 0; k < 5; k++ {
		e("Get R0")
		e("I32WrapI64")
		e("V128Load $%d", 16*k)
		e("Set V%d", k)
	}
	// Column q of the four tiles: lane k from A_(k+q/4*1)[q%4]; the base
	// vector is the one whose lane is already in place.
	e("Get R2")
	e("Set R4")
	for q := 0; q < 6; q++ {
		src := func(k int) (int, int) { // vector and lane of tile k's value
			if q < 4 {
				return k, q
			}
			return k + 1, q - 4
		}
		base := -1
		for k := 0; k < 4; k++ {
			if v, l := src(k); l == k {
				base = v
			}
		}
		e("Get R4")
		e("I32WrapI64")
		e("Get V%d", base)
		for k := 0; k < 4; k++ {
			v, l := src(k)
			if v == base {
				continue
			}
			e("Get V%d", v)
			e("F32x4ExtractLane $0, $%d", l)
			e("F32x4ReplaceLane $0, $%d", k)
		}
		e("V128Store")
		if q < 5 {
			add("R4", "R4", "R1")
		}
	}
	e("Get R0")
	e("I64Const $64")
	e("I64Add")
	e("Set R0")
	e("Get R2")
	e("I64Const $16")
	e("I64Add")
	e("Set R2")
	e("Get R3")
	e("I64Const $1")
	e("I64Sub")
	e("Set R3")
	e("Br $0")
	e("End")
	e("End")
}

func add(dst, x, y string) {
	e("Get %s", x)
	e("Get %s", y)
	e("I64Add")
	e("Set %s", dst)
}

func splat(v int, bits uint32) {
	e("I32Const $%d", bits)
	e("I32x4Splat")
	e("Set V%d", v)
}

// bt6 computes Bt times V0..V5 (V12 = 4, V13 = 5, V14 = 2), as bt6 in
// winograd4.go, and stores output k where at(k) says: at the register's
// address plus an offset (Go's assembler drops V128Store's offset, so it
// is added), or with offset -1 at the register's address, which then
// moves on by a plane (R5).
func bt6(at func(k int) (string, int)) {
	// a = r4 - r2 in V7, b*2 = (r1 - r3)*2 in V8.
	e("Get V4")
	e("Get V2")
	e("F32x4Sub")
	e("Set V7")
	e("Get V1")
	e("Get V3")
	e("F32x4Sub")
	e("Get V14")
	e("F32x4Mul")
	e("Set V8")
	outs := [][]string{
		// o0 = (r0*4 - r2*5) + r4
		{"Get V0", "Get V12", "F32x4Mul", "Get V2", "Get V13", "F32x4Mul", "F32x4Sub", "Get V4", "F32x4Add"},
		// o1 = (r3 + r4) - (r1 + r2)*4
		{"Get V3", "Get V4", "F32x4Add", "Get V1", "Get V2", "F32x4Add", "Get V12", "F32x4Mul", "F32x4Sub"},
		// o2 = (r4 - r3) + (r1 - r2)*4
		{"Get V4", "Get V3", "F32x4Sub", "Get V1", "Get V2", "F32x4Sub", "Get V12", "F32x4Mul", "F32x4Add"},
		// o3 = a - b*2
		{"Get V7", "Get V8", "F32x4Sub"},
		// o4 = a + b*2
		{"Get V7", "Get V8", "F32x4Add"},
		// o5 = (r1*4 - r3*5) + r5
		{"Get V1", "Get V12", "F32x4Mul", "Get V3", "Get V13", "F32x4Mul", "F32x4Sub", "Get V5", "F32x4Add"},
	}
	for k, ops := range outs {
		reg, off := at(k)
		e("Get %s", reg)
		if off > 0 {
			e("I64Const $%d", off)
			e("I64Add")
		}
		e("I32WrapI64")
		for _, op := range ops {
			e("%s", op)
		}
		e("V128Store")
		if off < 0 {
			add(reg, reg, "R5")
		}
	}
}

// output writes outputQuad4Asm.
func output() {
	b.WriteString(outputDoc)
	b.WriteString("TEXT ·outputQuad4Asm(SB), NOSPLIT, $0-72\n")
	e("MOVD p+0(FP), R5")
	e("MOVD plane+8(FP), R1")
	b.Bytes("R1")
	e("MOVD bias+16(FP), R7")
	e("Get R7")
	e("I32WrapI64")
	e("I32x4Splat")
	e("Set V15")
	e("MOVD relu+24(FP), R7")
	e("MOVD tmp+32(FP), R6")
	e("MOVD out+40(FP), R4")
	e("MOVD ofs+48(FP), R0")
	e("MOVD ld+56(FP), R12")
	e("MOVD n+64(FP), R13")
	e("Get R1")
	e("I64Const $6")
	e("I64Mul")
	e("Set R3")
	splat(12, 0x40000000) // 2
	splat(13, 0x40800000) // 4
	splat(14, 0x41000000) // 8
	e("I32Const $0")
	e("I32x4Splat")
	e("Set V11")
	e("Block")
	e("Loop")
	e("Get R13")
	e("I64Eqz")
	e("BrIf $1")
	e("// The quad's products: R2 = p + ofs[0].")
	e("Get R5")
	e("Get R0")
	e("I32WrapI64")
	e("I64Load $0")
	e("I64Add")
	e("Set R2")
	b.WriteString("\n")
	for j := 0; j < 6; j++ {
		e("// Column %d of m (rows 6 planes apart): At m into tmp[i][%d].", j, j)
		add("R8", "R2", "R3")
		add("R9", "R8", "R3")
		add("R10", "R9", "R3")
		add("R11", "R10", "R3")
		e("Get R11")
		e("Get R3")
		e("I64Add")
		e("Set R14")
		for r, reg := range []string{"R2", "R8", "R9", "R10", "R11", "R14"} {
			e("Get %s", reg)
			e("I32WrapI64")
			e("V128Load $0")
			e("Set V%d", r)
		}
		at6()
		for i := 0; i < 4; i++ {
			e("Get R6")
			if off := (i*6 + j) * 16; off > 0 {
				e("I64Const $%d", off)
				e("I64Add")
			}
			e("I32WrapI64")
			e("Get V%d", i)
			e("V128Store")
		}
		add("R2", "R2", "R1")
		b.WriteString("\n")
	}
	e("// The tiles' outputs: tile k's row i at out + ofs[1+k] + i*ld (R8-R11).")
	for k := 0; k < 4; k++ {
		e("Get R4")
		e("Get R0")
		e("I32WrapI64")
		e("I64Load $%d", 8*(k+1))
		e("I64Add")
		e("Set R%d", 8+k)
	}
	for i := 0; i < 4; i++ {
		e("// Row %d: At (At m) of tmp[%d], the bias, ReLU, one vector a tile.", i, i)
		for j := 0; j < 6; j++ {
			e("Get R6")
			e("I32WrapI64")
			e("V128Load $%d", (i*6+j)*16)
			e("Set V%d", j)
		}
		at6()
		for r := 0; r < 4; r++ {
			e("Get V%d", r)
			e("Get V15")
			e("F32x4Add")
			e("Set V%d", r)
		}
		e("Get R7")
		e("I64Eqz")
		e("I32Eqz")
		e("If")
		for r := 0; r < 4; r++ {
			// v < 0 ? 0 : v (-0 and NaN stay, as gemm.Epilogue).
			e("Get V11")
			e("Get V%d", r)
			e("Get V%d", r)
			e("Get V11")
			e("F32x4Lt")
			e("V128Bitselect")
			e("Set V%d", r)
		}
		e("End")
		for k := 0; k < 4; k++ {
			e("Get R%d", 8+k)
			e("I32WrapI64")
			e("Get V%d", k)
			for r := 0; r < 4; r++ {
				if r == k {
					continue
				}
				e("Get V%d", r)
				e("F32x4ExtractLane $0, $%d", k)
				e("F32x4ReplaceLane $0, $%d", r)
			}
			e("V128Store")
			add(fmt.Sprintf("R%d", 8+k), fmt.Sprintf("R%d", 8+k), "R12")
		}
		b.WriteString("\n")
	}
	e("Get R0")
	e("I64Const $40")
	e("I64Add")
	e("Set R0")
	e("Get R13")
	e("I64Const $1")
	e("I64Sub")
	e("Set R13")
	e("Br $0")
	e("End")
	e("End")
	e("RET")
}

// at6 computes At times V0..V5 (V12 = 2, V13 = 4, V14 = 8) into V0..V3,
// as at6 in winograd4.go: s12, d12, s34, d34 in V6-V9 first.
func at6() {
	for _, t := range []struct {
		x, y int
		op   string
		dst  int
	}{{1, 2, "F32x4Add", 6}, {1, 2, "F32x4Sub", 7}, {3, 4, "F32x4Add", 8}, {3, 4, "F32x4Sub", 9}} {
		e("Get V%d", t.x)
		e("Get V%d", t.y)
		e(t.op)
		e("Set V%d", t.dst)
	}
	// y0 = (m0 + s12) + s34
	for _, op := range []string{"Get V0", "Get V6", "F32x4Add", "Get V8", "F32x4Add", "Set V0"} {
		e("%s", op)
	}
	// y1 = d12 + d34*2
	for _, op := range []string{"Get V7", "Get V9", "Get V12", "F32x4Mul", "F32x4Add", "Set V1"} {
		e("%s", op)
	}
	// y2 = s12 + s34*4
	for _, op := range []string{"Get V6", "Get V8", "Get V13", "F32x4Mul", "F32x4Add", "Set V2"} {
		e("%s", op)
	}
	// y3 = (d12 + d34*8) + m5
	for _, op := range []string{"Get V7", "Get V9", "Get V14", "F32x4Mul", "F32x4Add", "Get V5", "F32x4Add", "Set V3"} {
		e("%s", op)
	}
}

const outputDoc = `// func outputQuad4Asm(p *float32, plane, bias, relu int, tmp *[24][4]float32, out *float32, ofs *[maxQuads4][5]int, ld, n int)
//
// See outputQuads4Store (wino4_wasm.go): n quads of tiles, quad i's 36
// products at p + ofs[i][0], its tile k's first output row at out +
// ofs[i][1+k], rows ld apart (all in bytes). R5 p, R4 out, R0 ofs[i], R12
// ld, R13 quads left; R2 column j of the products (R8-R11 R14 its rows
// 1-5, R3 six planes' bytes, R1 a plane's), R6 tmp (At m, row by row), R7
// relu, then R8-R11 tile k's next row; V0-V5 a column or row, V6-V9 its
// sums and differences, V11 zero, V12-V14 2, 4, 8, V15 the bias.
`

const phasesDoc = `// func phasesQuad4Asm(src, dst *float32, ln, n int)
//
// See phases4 (winograd4.go). For each of n groups of four tiles: A0-A4
// (V0-V4) the 20 values of the row from src, and column q of the four
// tiles (A0..A3 lane q, then for q 4 and 5 A1..A4 lane q-4) one vector
// at dst + q*ln floats, built by f32x4.extract_lane and replace_lane on
// the vector already holding one of its lanes in place (Go's assembler
// has no i8x16.shuffle; the lane is the second operand). R0 src, R2 dst,
// R1 a run's bytes, R3 groups left, R4 the run of column q.
`

const phasesPlaneDoc = `// func phasesPlaneAsm(src, dst *float32, ln, n, rows, wp, tilesX int)
//
// See phases4Plane (winograd4.go): phasesQuad4Asm's loop (n groups) on
// each of the 4*rows padded rows of a channel's plane (wp floats apart),
// row 4*ty+rr into row phase rr of tile row ty, at dst + (rr*6*ln +
// ty*tilesX) floats: one call a channel, not one a row. R6 the row, R7 tile
// row ty's runs, R9 row phase rr's, R8 row phases left, R10 tile rows left,
// R11 n, R12 six runs' bytes, R13 a padded row's, R14 a tile row's.
`

const quadsDoc = `// func inputQuads4Asm(src *float32, ln, tilesX int, dst *float32, plane int, tmp *[36][4]float32, ofs *int, n int)
//
// inputQuad4Asm on n quads of consecutive tiles, the first at src, the
// next 4 floats on; quad i's 16 vectors from dst + ofs[i] (bytes). See
// inputQuads4 (wino4_wasm.go). R7 the quad's src, R13 dst, R14 ofs[i], R15
// quads left; the rest as in inputQuad4Asm.
`

const doc = `// func inputQuad4Asm(src *float32, ln, tilesX int, dst *float32, plane int, tmp *[36][4]float32)
//
// See inputQuad4 (wino4_wasm.go). Registers: R0 the patches' column q in
// row phase 0 (ln floats a run, R1 its bytes), R3 the bytes from one row
// phase to the next (6 runs), R2 a tile row's bytes (tilesX floats), R8-R12
// the column's rows 1-5, R4 the next vector of dst (R5 a plane's bytes),
// R6 tmp (Bt d, row by row); V0-V5 the six values of a column of the four
// patches (or of a row of Bt d), V7 V8 two terms, V12-V14 the constants
// 4, 5 and 2.
`
