//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func storeOut4Asm(dst *float32, w int, ys *[4][4]float32, tbl *[4][16]uint8)
//
// See storeOut4 (winooutput_wasm.go). R0 the row stored, R1 a row's bytes,
// R2 ys, R3 the swizzle tables; V0-V3 ys, V4-V7 the tables. A row of two
// vectors a, b (y00 and y01, then y10 and y11): a0 b0 a1 b1 at dst, then
// a2 b2 a3 b3. (V128Store takes no offset here: Go's assembler drops it,
// so the second vector's address is added.)
TEXT ·storeOut4Asm(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD w+8(FP), R1
	Get R1
	I64Const $2
	I64Shl
	Set R1
	MOVD ys+16(FP), R2
	MOVD tbl+24(FP), R3
	Get R2
	I32WrapI64
	V128Load $0
	Set V0
	Get R2
	I32WrapI64
	V128Load $16
	Set V1
	Get R2
	I32WrapI64
	V128Load $32
	Set V2
	Get R2
	I32WrapI64
	V128Load $48
	Set V3
	Get R3
	I32WrapI64
	V128Load $0
	Set V4
	Get R3
	I32WrapI64
	V128Load $16
	Set V5
	Get R3
	I32WrapI64
	V128Load $32
	Set V6
	Get R3
	I32WrapI64
	V128Load $48
	Set V7

	// Row 0: y00, y01.
	Get R0
	I32WrapI64
	Get V0
	Get V4
	I8x16Swizzle
	Get V1
	Get V5
	I8x16Swizzle
	V128Or
	V128Store
	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get V0
	Get V6
	I8x16Swizzle
	Get V1
	Get V7
	I8x16Swizzle
	V128Or
	V128Store

	// Row 1: y10, y11.
	Get R0
	Get R1
	I64Add
	Set R0
	Get R0
	I32WrapI64
	Get V2
	Get V4
	I8x16Swizzle
	Get V3
	Get V5
	I8x16Swizzle
	V128Or
	V128Store
	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get V2
	Get V6
	I8x16Swizzle
	Get V3
	Get V7
	I8x16Swizzle
	V128Or
	V128Store
	RET

// func winoOutStore4Asm(p *float32, plane, bias, relu int, dst *float32, w int, tbl *[4][16]uint8)
//
// See winoOutStore4 (winooutput_wasm.go): winoOut4's operations, in its
// order, on the 16 product vectors p, p+plane, ... (four tiles a vector),
// then storeOut4Asm's stores. R2 column j of the products (R4-R6 its rows
// 1-3), R1 a plane's bytes, R7 four planes', R0 the row stored, R8 a row's
// bytes; V0-V3 s00-s03 (then the swizzle tables), V4-V7 s10-s13, V8-V11
// a column (then y00, y01, y10, y11), V12 the bias, V13 zero.
TEXT ·winoOutStore4Asm(SB), NOSPLIT, $0-56
	MOVD p+0(FP), R2
	MOVD plane+8(FP), R1
	Get R1
	I64Const $2
	I64Shl
	Set R1
	Get R1
	I64Const $2
	I64Shl
	Set R7
	MOVD bias+16(FP), R3
	Get R3
	I32WrapI64
	I32x4Splat
	Set V12
	I32Const $0
	I32x4Splat
	Set V13
	MOVD dst+32(FP), R0
	MOVD w+40(FP), R8
	Get R8
	I64Const $2
	I64Shl
	Set R8


	// Column 0: s00 = (m0 + m4) + m8, s10 = (m4 - m8) - m12.
	Get R2
	I32WrapI64
	V128Load $0
	Set V8
	Get R2
	Get R7
	I64Add
	Set R4
	Get R4
	I32WrapI64
	V128Load $0
	Set V9
	Get R4
	Get R7
	I64Add
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Set V10
	Get R5
	Get R7
	I64Add
	Set R6
	Get R6
	I32WrapI64
	V128Load $0
	Set V11
	Get V8
	Get V9
	F32x4Add
	Get V10
	F32x4Add
	Set V0
	Get V9
	Get V10
	F32x4Sub
	Get V11
	F32x4Sub
	Set V4
	Get R2
	Get R1
	I64Add
	Set R2

	// Column 1: s01 = (m1 + m5) + m9, s11 = (m5 - m9) - m13.
	Get R2
	I32WrapI64
	V128Load $0
	Set V8
	Get R2
	Get R7
	I64Add
	Set R4
	Get R4
	I32WrapI64
	V128Load $0
	Set V9
	Get R4
	Get R7
	I64Add
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Set V10
	Get R5
	Get R7
	I64Add
	Set R6
	Get R6
	I32WrapI64
	V128Load $0
	Set V11
	Get V8
	Get V9
	F32x4Add
	Get V10
	F32x4Add
	Set V1
	Get V9
	Get V10
	F32x4Sub
	Get V11
	F32x4Sub
	Set V5
	Get R2
	Get R1
	I64Add
	Set R2

	// Column 2: s02 = (m2 + m6) + m10, s12 = (m6 - m10) - m14.
	Get R2
	I32WrapI64
	V128Load $0
	Set V8
	Get R2
	Get R7
	I64Add
	Set R4
	Get R4
	I32WrapI64
	V128Load $0
	Set V9
	Get R4
	Get R7
	I64Add
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Set V10
	Get R5
	Get R7
	I64Add
	Set R6
	Get R6
	I32WrapI64
	V128Load $0
	Set V11
	Get V8
	Get V9
	F32x4Add
	Get V10
	F32x4Add
	Set V2
	Get V9
	Get V10
	F32x4Sub
	Get V11
	F32x4Sub
	Set V6
	Get R2
	Get R1
	I64Add
	Set R2

	// Column 3: s03 = (m3 + m7) + m11, s13 = (m7 - m11) - m15.
	Get R2
	I32WrapI64
	V128Load $0
	Set V8
	Get R2
	Get R7
	I64Add
	Set R4
	Get R4
	I32WrapI64
	V128Load $0
	Set V9
	Get R4
	Get R7
	I64Add
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Set V10
	Get R5
	Get R7
	I64Add
	Set R6
	Get R6
	I32WrapI64
	V128Load $0
	Set V11
	Get V8
	Get V9
	F32x4Add
	Get V10
	F32x4Add
	Set V3
	Get V9
	Get V10
	F32x4Sub
	Get V11
	F32x4Sub
	Set V7

	// y00 = ((s00 + s01) + s02) + b, y01 = ((s01 - s02) - s03) + b,
	// y10 and y11 likewise from s1j.
	Get V0
	Get V1
	F32x4Add
	Get V2
	F32x4Add
	Get V12
	F32x4Add
	Set V8
	Get V1
	Get V2
	F32x4Sub
	Get V3
	F32x4Sub
	Get V12
	F32x4Add
	Set V9
	Get V4
	Get V5
	F32x4Add
	Get V6
	F32x4Add
	Get V12
	F32x4Add
	Set V10
	Get V5
	Get V6
	F32x4Sub
	Get V7
	F32x4Sub
	Get V12
	F32x4Add
	Set V11
	MOVD relu+24(FP), R3
	Get R3
	I64Eqz
	I32Eqz
	If
	Get V13
	Get V8
	Get V8
	Get V13
	F32x4Lt
	V128Bitselect
	Set V8
	Get V13
	Get V9
	Get V9
	Get V13
	F32x4Lt
	V128Bitselect
	Set V9
	Get V13
	Get V10
	Get V10
	Get V13
	F32x4Lt
	V128Bitselect
	Set V10
	Get V13
	Get V11
	Get V11
	Get V13
	F32x4Lt
	V128Bitselect
	Set V11
	End
	MOVD tbl+48(FP), R3
	Get R3
	I32WrapI64
	V128Load $0
	Set V0
	Get R3
	I32WrapI64
	V128Load $16
	Set V1
	Get R3
	I32WrapI64
	V128Load $32
	Set V2
	Get R3
	I32WrapI64
	V128Load $48
	Set V3

	// Row 0: y00, y01 (storeOut4Asm's stores).
	Get R0
	I32WrapI64
	Get V8
	Get V0
	I8x16Swizzle
	Get V9
	Get V1
	I8x16Swizzle
	V128Or
	V128Store
	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get V8
	Get V2
	I8x16Swizzle
	Get V9
	Get V3
	I8x16Swizzle
	V128Or
	V128Store

	// Row 1: y10, y11.
	Get R0
	Get R8
	I64Add
	Set R0
	Get R0
	I32WrapI64
	Get V10
	Get V0
	I8x16Swizzle
	Get V11
	Get V1
	I8x16Swizzle
	V128Or
	V128Store
	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get V10
	Get V2
	I8x16Swizzle
	Get V11
	Get V3
	I8x16Swizzle
	V128Or
	V128Store
	RET
