//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// The A block's two passes of the packed path in WebAssembly: the int8
// weights dequantized (dequantSIMD128) and the block broadcast
// (broadcastSIMD128), each 2.5% of a ResNet-50 pass in Node as Go loops
// (node --cpu-prof, self time). In assembly for the loads' constant
// offsets and loops without slice checks. Go's assembler drops the
// immediate of V128Store and of the extract_lane instructions in
// hand-written assembly (it reads To's, the operand is in From): stores
// add their offsets to the address, and the broadcast splats scalar
// loads.

// func dequantAsm(dst *float32, q *int8, n16 int, sc *[4]float32)
//
// For n16 blocks of 16 int8 at q: each widened to int32 (i16x8 then i32x4
// extend, signed), converted to float32 and multiplied by the four scales
// sc (value i by sc[i%4]), stored at dst (64 bytes a block). R0 dst, R1 q,
// R2 blocks left; V0 the scales, V1 the 16 int8, V2 V3 their halves as
// int16.
TEXT ·dequantAsm(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD q+8(FP), R1
	MOVD n16+16(FP), R2
	MOVD sc+24(FP), R3
	Get R3
	I32WrapI64
	V128Load $0
	Set V0

	Block
	Loop
	Get R2
	I64Eqz
	BrIf $1
	Get R1
	I32WrapI64
	V128Load $0
	Set V1
	Get V1
	I16x8ExtendLowI8x16S
	Set V2
	Get V1
	I16x8ExtendHighI8x16S
	Set V3

	Get R0
	I32WrapI64
	Get V2
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V0
	F32x4Mul
	V128Store

	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get V2
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V0
	F32x4Mul
	V128Store

	Get R0
	I32WrapI64
	I32Const $32
	I32Add
	Get V3
	I32x4ExtendLowI16x8S
	F32x4ConvertI32x4S
	Get V0
	F32x4Mul
	V128Store

	Get R0
	I32WrapI64
	I32Const $48
	I32Add
	Get V3
	I32x4ExtendHighI16x8S
	F32x4ConvertI32x4S
	Get V0
	F32x4Mul
	V128Store

	Get R1
	I64Const $16
	I64Add
	Set R1
	Get R0
	I64Const $64
	I64Add
	Set R0
	Get R2
	I64Const $1
	I64Sub
	Set R2
	Br $0
	End
	End
	RET

// func broadcastAsm(dst, src *float32, n4 int)
//
// For n4 groups of 4 floats at src: each value splat to a vector and
// stored at dst (64 bytes a group). R0 dst, R1 src, R2 groups left.
TEXT ·broadcastAsm(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n4+16(FP), R2

	Block
	Loop
	Get R2
	I64Eqz
	BrIf $1

	Get R0
	I32WrapI64
	Get R1
	I32WrapI64
	F32Load $0
	F32x4Splat
	V128Store

	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get R1
	I32WrapI64
	F32Load $4
	F32x4Splat
	V128Store

	Get R0
	I32WrapI64
	I32Const $32
	I32Add
	Get R1
	I32WrapI64
	F32Load $8
	F32x4Splat
	V128Store

	Get R0
	I32WrapI64
	I32Const $48
	I32Add
	Get R1
	I32WrapI64
	F32Load $12
	F32x4Splat
	V128Store

	Get R1
	I64Const $16
	I64Add
	Set R1
	Get R0
	I64Const $64
	I64Add
	Set R0
	Get R2
	I64Const $1
	I64Sub
	Set R2
	Br $0
	End
	End
	RET
