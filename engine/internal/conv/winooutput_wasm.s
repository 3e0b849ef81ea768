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
