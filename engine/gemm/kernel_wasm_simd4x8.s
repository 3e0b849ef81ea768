//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func kernelSIMD128x4x8Asm(kc int, a, b, acc []float32)
//
// SIMD128's micro-kernel (see kernelSIMD128x4x8 in
// kernel_wasm_simd4x8.go, which has the same operations): for p < kc, with
// the A sliver at a (4 floats a step) and the B sliver at b (8 floats a
// step), each of the 4 rows' A value is splat to a vector and multiplied by
// the two B vectors, each product added to its accumulator (f32x4.mul then
// f32x4.add, as archsimd's MulAdd lowers); then the 8 accumulators are
// stored to acc (row i at acc[8i:8i+8]).
//
// Written in assembly for two things Go's wasm backend does not give:
// constant offsets folded into the loads' memarg (Go computes every
// address with an i64 add and a wrap), and one step per loop iteration
// without the cost of Go's loop (slice checks, a jump through the
// function's block table). V8's TurboFan hoists all loads of an unrolled
// body to its top and then spills them and the accumulators to its stack
// (about 40 moves per four steps in the Go kernel); one step per
// iteration keeps its 11 vectors in registers. Node, kc 256 and 1024 in
// L1/L2, interleaved best of 15: Go kernel 31-32 GFLOP/s, this 40-41.
//
// Registers: R0 steps left, R1 a, R2 b, R3 acc (addresses in linear
// memory); V0-V7 accumulators (row i: V2i columns 0-3, V2i+1 columns
// 4-7), V8 V9 the B vectors, V10 the splat A value. The caller checks the
// lengths (kernelSIMD128x4x8Asm's Go wrapper).
TEXT ·kernelSIMD128x4x8Asm(SB), NOSPLIT, $0-80
	MOVD kc+0(FP), R0
	MOVD a_base+8(FP), R1
	MOVD b_base+32(FP), R2
	MOVD acc_base+56(FP), R3

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
	Get R0
	I64Eqz
	BrIf $1

	Get R2
	I32WrapI64
	V128Load $0
	Set V8
	Get R2
	I32WrapI64
	V128Load $16
	Set V9

	// Row 0.
	Get R1
	I32WrapI64
	F32Load $0
	F32x4Splat
	Set V10
	Get V10
	Get V8
	F32x4Mul
	Get V0
	F32x4Add
	Set V0
	Get V10
	Get V9
	F32x4Mul
	Get V1
	F32x4Add
	Set V1

	// Row 1.
	Get R1
	I32WrapI64
	F32Load $4
	F32x4Splat
	Set V10
	Get V10
	Get V8
	F32x4Mul
	Get V2
	F32x4Add
	Set V2
	Get V10
	Get V9
	F32x4Mul
	Get V3
	F32x4Add
	Set V3

	// Row 2.
	Get R1
	I32WrapI64
	F32Load $8
	F32x4Splat
	Set V10
	Get V10
	Get V8
	F32x4Mul
	Get V4
	F32x4Add
	Set V4
	Get V10
	Get V9
	F32x4Mul
	Get V5
	F32x4Add
	Set V5

	// Row 3.
	Get R1
	I32WrapI64
	F32Load $12
	F32x4Splat
	Set V10
	Get V10
	Get V8
	F32x4Mul
	Get V6
	F32x4Add
	Set V6
	Get V10
	Get V9
	F32x4Mul
	Get V7
	F32x4Add
	Set V7

	Get R1
	I64Const $16
	I64Add
	Set R1
	Get R2
	I64Const $32
	I64Add
	Set R2
	Get R0
	I64Const $1
	I64Sub
	Set R0
	Br $0
	End
	End

	// V128Store takes no offset here (the assembler reads a store's
	// offset from the instruction's destination, which a one-operand
	// V128Store does not set), so each address is computed.
	Get R3
	I32WrapI64
	Get V0
	V128Store
	Get R3
	I32WrapI64
	I32Const $16
	I32Add
	Get V1
	V128Store
	Get R3
	I32WrapI64
	I32Const $32
	I32Add
	Get V2
	V128Store
	Get R3
	I32WrapI64
	I32Const $48
	I32Add
	Get V3
	V128Store
	Get R3
	I32WrapI64
	I32Const $64
	I32Add
	Get V4
	V128Store
	Get R3
	I32WrapI64
	I32Const $80
	I32Add
	Get V5
	V128Store
	Get R3
	I32WrapI64
	I32Const $96
	I32Add
	Get V6
	V128Store
	Get R3
	I32WrapI64
	I32Const $112
	I32Add
	Get V7
	V128Store
	RET
