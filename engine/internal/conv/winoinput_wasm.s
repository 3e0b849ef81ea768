//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func transformInput4Asm(src, dst *float32, w, plane int, tbl *[4][16]uint8)
//
// See transformInput4 (winoinput_wasm.go). Registers: R0 the patches' first
// row, R1 a row's bytes, R2 the next vector of dst, R3 a plane's bytes,
// R4 the swizzle tables, R5 a row; V0-V3 and V4-V7 the columns of rows 1
// and 2 of the four patches, V8-V11 those of row 0 or 3, then a row of
// Bt d.
TEXT ·transformInput4Asm(SB), NOSPLIT, $0-40
	MOVD src+0(FP), R0
	MOVD dst+8(FP), R2
	MOVD w+16(FP), R1
	Get R1
	I64Const $2
	I64Shl
	Set R1
	MOVD plane+24(FP), R3
	Get R3
	I64Const $2
	I64Shl
	Set R3
	MOVD tbl+32(FP), R4

	// Rows 1 and 2 of the patches: V0-V3, V4-V7.
	Get R0
	Get R1
	I64Add
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V0
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V1
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V2
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V3
	Get R0
	Get R1
	I64Add
	Get R1
	I64Add
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V4
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V5
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V6
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V7

	// b0 = r0 - r2, then its four values of V.
	Get R0
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V8
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V9
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V10
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V11
	Get V8
	Get V4
	F32x4Sub
	Set V8
	Get V9
	Get V5
	F32x4Sub
	Set V9
	Get V10
	Get V6
	F32x4Sub
	Set V10
	Get V11
	Get V7
	F32x4Sub
	Set V11
	Get R2
	I32WrapI64
	Get V8
	Get V10
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V10
	F32x4Add
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V10
	Get V9
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V11
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2

	// b1 = r1 + r2.
	Get V0
	Get V4
	F32x4Add
	Set V8
	Get V1
	Get V5
	F32x4Add
	Set V9
	Get V2
	Get V6
	F32x4Add
	Set V10
	Get V3
	Get V7
	F32x4Add
	Set V11
	Get R2
	I32WrapI64
	Get V8
	Get V10
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V10
	F32x4Add
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V10
	Get V9
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V11
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2

	// b2 = r2 - r1.
	Get V4
	Get V0
	F32x4Sub
	Set V8
	Get V5
	Get V1
	F32x4Sub
	Set V9
	Get V6
	Get V2
	F32x4Sub
	Set V10
	Get V7
	Get V3
	F32x4Sub
	Set V11
	Get R2
	I32WrapI64
	Get V8
	Get V10
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V10
	F32x4Add
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V10
	Get V9
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V11
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2

	// b3 = r1 - r3.
	Get R0
	Get R1
	I64Add
	Get R1
	I64Add
	Get R1
	I64Add
	Set R5
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V8
	Get R5
	I32WrapI64
	V128Load $0
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $16
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V9
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $0
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $16
	I8x16Swizzle
	V128Or
	Set V10
	Get R5
	I32WrapI64
	V128Load $8
	Get R4
	I32WrapI64
	V128Load $32
	I8x16Swizzle
	Get R5
	I32WrapI64
	V128Load $24
	Get R4
	I32WrapI64
	V128Load $48
	I8x16Swizzle
	V128Or
	Set V11
	Get V0
	Get V8
	F32x4Sub
	Set V8
	Get V1
	Get V9
	F32x4Sub
	Set V9
	Get V2
	Get V10
	F32x4Sub
	Set V10
	Get V3
	Get V11
	F32x4Sub
	Set V11
	Get R2
	I32WrapI64
	Get V8
	Get V10
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V10
	F32x4Add
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V10
	Get V9
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	Get R2
	I32WrapI64
	Get V9
	Get V11
	F32x4Sub
	V128Store
	Get R2
	Get R3
	I64Add
	Set R2
	RET
