//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func kernelSIMD128x4x8Asm(kc int, a, b, c []float32, ldc, flags int, bias, add []float32)
//
// SIMD128's register tile (see kernelSIMD128x4x8 in kernel_wasm_simd4x8.go,
// which has the same operations): for p < kc, with the A sliver at a (4
// floats a step) and the B sliver at b (8 floats a step), each of the 4
// rows' A value is splat to a vector and multiplied by the two B vectors,
// each product added to its accumulator (f32x4.mul then f32x4.add, as
// archsimd's MulAdd lowers). Then the tile is stored into C as
// storeTileAddSIMD128x8 stores it: row i at c[i*ldc:i*ldc+8], added to
// what is there unless flags&1 (first); if flags&2 (last), bias[i] added
// when flags&8, the row of add (laid out as c) added when flags&16, and
// lanes below zero set to zero when flags&4 (ReLU). Fn is this with c the
// 4x8 acc (ldc 8) and flags 1.
//
// Written in assembly for two things Go's wasm backend does not give:
// constant offsets folded into the loads' memarg (Go computes every
// address with an i64 add and a wrap), and one step per loop iteration
// without the cost of Go's loop (slice checks, a jump through the
// function's block table). V8's TurboFan hoists all loads of an unrolled
// body to its top and then spills them and the accumulators to its stack
// (about 40 moves per four steps in the Go kernel); one step per
// iteration keeps its 12 vectors in registers. Node, kc 256 and 1024 in
// L1/L2, interleaved best of 15: Go kernel 31-32 GFLOP/s, this 40-41.
// Storing the tile here saves the store function's call and the trip of
// the accumulators through acc.
//
// Registers: R0 steps left, R1 a, R2 b (addresses in linear memory);
// V0-V7 accumulators (row i: V2i columns 0-3, V2i+1 columns 4-7), V8 V9
// the B vectors, V10 the splat A value (then the bias), V11 zero. The
// caller checks the lengths (kernelSIMD128x4x8Tile).
TEXT ·kernelSIMD128x4x8Asm(SB), NOSPLIT, $0-144
	MOVD kc+0(FP), R0
	MOVD a_base+8(FP), R1
	MOVD b_base+32(FP), R2

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
	Get V0
	Set V11

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

	// The tile into C, row by row (R5 the row in C, R7 the row in add).
	MOVD ldc+80(FP), R4
	Get R4
	I64Const $2
	I64Shl
	Set R4
	MOVD c_base+56(FP), R5
	MOVD flags+88(FP), R6
	MOVD bias_base+96(FP), R3
	MOVD add_base+120(FP), R7

	// Row 0.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V0
	F32x4Add
	Set V0
	Get R5
	I32WrapI64
	V128Load $16
	Get V1
	F32x4Add
	Set V1
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $0
	F32x4Splat
	Set V10
	Get V0
	Get V10
	F32x4Add
	Set V0
	Get V1
	Get V10
	F32x4Add
	Set V1
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V0
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V0
	Get V1
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V1
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V0
	Get V0
	Get V11
	F32x4Lt
	V128Bitselect
	Set V0
	Get V11
	Get V1
	Get V1
	Get V11
	F32x4Lt
	V128Bitselect
	Set V1
	End
	End
	Get R5
	I32WrapI64
	Get V0
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V1
	V128Store
	Get R5
	Get R4
	I64Add
	Set R5
	Get R7
	Get R4
	I64Add
	Set R7

	// Row 1.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V2
	F32x4Add
	Set V2
	Get R5
	I32WrapI64
	V128Load $16
	Get V3
	F32x4Add
	Set V3
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $4
	F32x4Splat
	Set V10
	Get V2
	Get V10
	F32x4Add
	Set V2
	Get V3
	Get V10
	F32x4Add
	Set V3
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V2
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V2
	Get V3
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V3
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V2
	Get V2
	Get V11
	F32x4Lt
	V128Bitselect
	Set V2
	Get V11
	Get V3
	Get V3
	Get V11
	F32x4Lt
	V128Bitselect
	Set V3
	End
	End
	Get R5
	I32WrapI64
	Get V2
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V3
	V128Store
	Get R5
	Get R4
	I64Add
	Set R5
	Get R7
	Get R4
	I64Add
	Set R7

	// Row 2.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V4
	F32x4Add
	Set V4
	Get R5
	I32WrapI64
	V128Load $16
	Get V5
	F32x4Add
	Set V5
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $8
	F32x4Splat
	Set V10
	Get V4
	Get V10
	F32x4Add
	Set V4
	Get V5
	Get V10
	F32x4Add
	Set V5
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V4
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V4
	Get V5
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V5
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V4
	Get V4
	Get V11
	F32x4Lt
	V128Bitselect
	Set V4
	Get V11
	Get V5
	Get V5
	Get V11
	F32x4Lt
	V128Bitselect
	Set V5
	End
	End
	Get R5
	I32WrapI64
	Get V4
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V5
	V128Store
	Get R5
	Get R4
	I64Add
	Set R5
	Get R7
	Get R4
	I64Add
	Set R7

	// Row 3.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V6
	F32x4Add
	Set V6
	Get R5
	I32WrapI64
	V128Load $16
	Get V7
	F32x4Add
	Set V7
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $12
	F32x4Splat
	Set V10
	Get V6
	Get V10
	F32x4Add
	Set V6
	Get V7
	Get V10
	F32x4Add
	Set V7
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V6
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V6
	Get V7
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V7
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V6
	Get V6
	Get V11
	F32x4Lt
	V128Bitselect
	Set V6
	Get V11
	Get V7
	Get V7
	Get V11
	F32x4Lt
	V128Bitselect
	Set V7
	End
	End
	Get R5
	I32WrapI64
	Get V6
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V7
	V128Store
	RET

// func kernelSIMD128x4x8BcastAsm(kc int, a, b, c []float32, ldc, flags int, bias, add []float32)
//
// kernelSIMD128x4x8Asm over an A sliver packed broadcast (broadcastSIMD128:
// each value stored 4 times, 16 floats a step): the A vectors are loaded,
// not splat, which takes the shuffles out of the loop. The same products
// and sums in the same order, so the same bits.
TEXT ·kernelSIMD128x4x8BcastAsm(SB), NOSPLIT, $0-144
	MOVD kc+0(FP), R0
	MOVD a_base+8(FP), R1
	MOVD b_base+32(FP), R2

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
	Get V0
	Set V11

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
	V128Load $0
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
	V128Load $16
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
	V128Load $32
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
	V128Load $48
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
	I64Const $64
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

	// The tile into C, row by row (R5 the row in C, R7 the row in add).
	MOVD ldc+80(FP), R4
	Get R4
	I64Const $2
	I64Shl
	Set R4
	MOVD c_base+56(FP), R5
	MOVD flags+88(FP), R6
	MOVD bias_base+96(FP), R3
	MOVD add_base+120(FP), R7

	// Row 0.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V0
	F32x4Add
	Set V0
	Get R5
	I32WrapI64
	V128Load $16
	Get V1
	F32x4Add
	Set V1
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $0
	F32x4Splat
	Set V10
	Get V0
	Get V10
	F32x4Add
	Set V0
	Get V1
	Get V10
	F32x4Add
	Set V1
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V0
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V0
	Get V1
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V1
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V0
	Get V0
	Get V11
	F32x4Lt
	V128Bitselect
	Set V0
	Get V11
	Get V1
	Get V1
	Get V11
	F32x4Lt
	V128Bitselect
	Set V1
	End
	End
	Get R5
	I32WrapI64
	Get V0
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V1
	V128Store
	Get R5
	Get R4
	I64Add
	Set R5
	Get R7
	Get R4
	I64Add
	Set R7

	// Row 1.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V2
	F32x4Add
	Set V2
	Get R5
	I32WrapI64
	V128Load $16
	Get V3
	F32x4Add
	Set V3
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $4
	F32x4Splat
	Set V10
	Get V2
	Get V10
	F32x4Add
	Set V2
	Get V3
	Get V10
	F32x4Add
	Set V3
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V2
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V2
	Get V3
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V3
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V2
	Get V2
	Get V11
	F32x4Lt
	V128Bitselect
	Set V2
	Get V11
	Get V3
	Get V3
	Get V11
	F32x4Lt
	V128Bitselect
	Set V3
	End
	End
	Get R5
	I32WrapI64
	Get V2
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V3
	V128Store
	Get R5
	Get R4
	I64Add
	Set R5
	Get R7
	Get R4
	I64Add
	Set R7

	// Row 2.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V4
	F32x4Add
	Set V4
	Get R5
	I32WrapI64
	V128Load $16
	Get V5
	F32x4Add
	Set V5
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $8
	F32x4Splat
	Set V10
	Get V4
	Get V10
	F32x4Add
	Set V4
	Get V5
	Get V10
	F32x4Add
	Set V5
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V4
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V4
	Get V5
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V5
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V4
	Get V4
	Get V11
	F32x4Lt
	V128Bitselect
	Set V4
	Get V11
	Get V5
	Get V5
	Get V11
	F32x4Lt
	V128Bitselect
	Set V5
	End
	End
	Get R5
	I32WrapI64
	Get V4
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V5
	V128Store
	Get R5
	Get R4
	I64Add
	Set R5
	Get R7
	Get R4
	I64Add
	Set R7

	// Row 3.
	Get R6
	I64Const $1
	I64And
	I64Eqz
	I32Eqz
	I32Eqz
	If
	Get R5
	I32WrapI64
	V128Load $0
	Get V6
	F32x4Add
	Set V6
	Get R5
	I32WrapI64
	V128Load $16
	Get V7
	F32x4Add
	Set V7
	End
	Get R6
	I64Const $2
	I64And
	I64Eqz
	I32Eqz
	If
	Get R6
	I64Const $8
	I64And
	I64Eqz
	I32Eqz
	If
	Get R3
	I32WrapI64
	F32Load $12
	F32x4Splat
	Set V10
	Get V6
	Get V10
	F32x4Add
	Set V6
	Get V7
	Get V10
	F32x4Add
	Set V7
	End
	Get R6
	I64Const $16
	I64And
	I64Eqz
	I32Eqz
	If
	Get V6
	Get R7
	I32WrapI64
	V128Load $0
	F32x4Add
	Set V6
	Get V7
	Get R7
	I32WrapI64
	V128Load $16
	F32x4Add
	Set V7
	End
	Get R6
	I64Const $4
	I64And
	I64Eqz
	I32Eqz
	If
	Get V11
	Get V6
	Get V6
	Get V11
	F32x4Lt
	V128Bitselect
	Set V6
	Get V11
	Get V7
	Get V7
	Get V11
	F32x4Lt
	V128Bitselect
	Set V7
	End
	End
	Get R5
	I32WrapI64
	Get V6
	V128Store
	Get R5
	I32WrapI64
	I32Const $16
	I32Add
	Get V7
	V128Store
	RET
