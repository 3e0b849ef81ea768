//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func dotQ4Asm(x *float32, q0, q1, q2, q3 *int8, n16 int, acc *[8][4]float32)
//
// dotQ4SIMD128's loop over n16 blocks of 16 values (see dotQ4SIMD128Asm):
// R0 x, R1-R4 the rows, R5 blocks left, R6 acc; V0-V7 the accumulators
// (row r: a in V2r, b in V2r+1), V8-V11 the 16 values of x, V12 16 int8
// weights of a row, widened on the stack where each quarter is used.
TEXT ·dotQ4Asm(SB), NOSPLIT, $0-56
	MOVD x+0(FP), R0
	MOVD q0+8(FP), R1
	MOVD q1+16(FP), R2
	MOVD q2+24(FP), R3
	MOVD q3+32(FP), R4
	MOVD n16+40(FP), R5
	MOVD acc+48(FP), R6
	I32Const $0
	I32x4Splat
	Set V0
	Get V0
	Set V1
	Get V0
	Set V2
	Get V0
	Set V3
	Get V0
	Set V4
	Get V0
	Set V5
	Get V0
	Set V6
	Get V0
	Set V7
	Block
	Loop
	Get R5
	I64Eqz
	BrIf $1
	Get R0
	I32WrapI64
	V128Load $0
	Set V8
	Get R0
	I32WrapI64
	V128Load $16
	Set V9
	Get R0
	I32WrapI64
	V128Load $32
	Set V10
	Get R0
	I32WrapI64
	V128Load $48
	Set V11
	// Row 0.
	Get R1
	I32WrapI64
	V128Load $0
	Set V12
	Get V0
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V8
	F32x4Mul
	F32x4Add
	Set V0
	Get V1
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V9
	F32x4Mul
	F32x4Add
	Set V1
	Get V0
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V10
	F32x4Mul
	F32x4Add
	Set V0
	Get V1
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V11
	F32x4Mul
	F32x4Add
	Set V1
	// Row 1.
	Get R2
	I32WrapI64
	V128Load $0
	Set V12
	Get V2
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V8
	F32x4Mul
	F32x4Add
	Set V2
	Get V3
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V9
	F32x4Mul
	F32x4Add
	Set V3
	Get V2
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V10
	F32x4Mul
	F32x4Add
	Set V2
	Get V3
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V11
	F32x4Mul
	F32x4Add
	Set V3
	// Row 2.
	Get R3
	I32WrapI64
	V128Load $0
	Set V12
	Get V4
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V8
	F32x4Mul
	F32x4Add
	Set V4
	Get V5
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V9
	F32x4Mul
	F32x4Add
	Set V5
	Get V4
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V10
	F32x4Mul
	F32x4Add
	Set V4
	Get V5
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V11
	F32x4Mul
	F32x4Add
	Set V5
	// Row 3.
	Get R4
	I32WrapI64
	V128Load $0
	Set V12
	Get V6
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V8
	F32x4Mul
	F32x4Add
	Set V6
	Get V7
	Get V12
	I16x8ExtendLowI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V9
	F32x4Mul
	F32x4Add
	Set V7
	Get V6
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V10
	F32x4Mul
	F32x4Add
	Set V6
	Get V7
	Get V12
	I16x8ExtendHighI8x16S
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V11
	F32x4Mul
	F32x4Add
	Set V7
	Get R0
	I64Const $64
	I64Add
	Set R0
	Get R1
	I64Const $16
	I64Add
	Set R1
	Get R2
	I64Const $16
	I64Add
	Set R2
	Get R3
	I64Const $16
	I64Add
	Set R3
	Get R4
	I64Const $16
	I64Add
	Set R4
	Get R5
	I64Const $1
	I64Sub
	Set R5
	Br $0
	End
	End
	Get R6
	I32WrapI64
	Get V0
	V128Store
	Get R6
	I32WrapI64
	I32Const $16
	I32Add
	Get V1
	V128Store
	Get R6
	I32WrapI64
	I32Const $32
	I32Add
	Get V2
	V128Store
	Get R6
	I32WrapI64
	I32Const $48
	I32Add
	Get V3
	V128Store
	Get R6
	I32WrapI64
	I32Const $64
	I32Add
	Get V4
	V128Store
	Get R6
	I32WrapI64
	I32Const $80
	I32Add
	Get V5
	V128Store
	Get R6
	I32WrapI64
	I32Const $96
	I32Add
	Get V6
	V128Store
	Get R6
	I32WrapI64
	I32Const $112
	I32Add
	Get V7
	V128Store
	RET
