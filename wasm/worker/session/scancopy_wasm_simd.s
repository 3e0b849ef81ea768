//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// scanCopyMapsAsm is scanBlockAsm (mapkernels_wasm_simd.s) over maps
// after maps, each map one block, with each vector also stored to dst, and
// what scanAsm128 and tally.add then do with a block of finite values in
// the same order: the lanes' range folded into the map's (lo, hi; strict
// comparisons from MaxFloat32 and -MaxFloat32, lane 0 first), the lanes'
// float32 sums added as float64 in lane order and the result to the
// running sum, the zeros counted by lane. It stops before adding a map with
// a value v-v is not 0 for (NaN, an infinity), which it has copied.
//
// acc (mapsAcc): sum (f64) at 0, read and written; zeros (i32x4, minus the
// counts) at 8, written; mn and mx (the lanes' start) at 24 and 40, read.
// Go's assembler drops a hand-written V128Store's offset, so each store
// adds its own; it takes the lane of an extract_lane from the second
// operand (F32x4ExtractLane $0, $k: with one operand it reads lane 0).
//
// Registers: R0 src, R1 dst, R2 maps, R3 n8, R4 lo, R5 hi, R6 acc, R7
// pairs left, R8 maps done; V0 zero, V1 bz, V2 bmn, V3 bmx, V4 s, V5 odd,
// V6 v, V7 mn start, V8 mx start, V9 the zeros of the maps done; F0, F1
// lane folds; F16 the sum, F17 a map's.

// func scanCopyMapsAsm(src, dst *float32, maps, n8 int, lo, hi *float32, acc *mapsAcc) int
TEXT ·scanCopyMapsAsm(SB), NOSPLIT, $0-64
	MOVD src+0(FP), R0
	MOVD dst+8(FP), R1
	MOVD maps+16(FP), R2
	MOVD n8+24(FP), R3
	MOVD lo+32(FP), R4
	MOVD hi+40(FP), R5
	MOVD acc+48(FP), R6
	I64Const $0
	Set R8

	I32Const $0
	I32x4Splat
	Set V0
	Get V0
	Set V9
	Get R6
	I32WrapI64
	F64Load $0
	Set F16
	Get R6
	I32WrapI64
	V128Load $24
	Set V7
	Get R6
	I32WrapI64
	V128Load $40
	Set V8

	Block
	Loop
	Get R8
	Get R2
	I64Eq
	BrIf $1

	Get V0
	Set V1
	Get V7
	Set V2
	Get V8
	Set V3
	Get V0
	Set V4
	Get V0
	Set V5
	Get R3
	Set R7

	Block
	Loop
	Get R7
	I64Eqz
	BrIf $1

	Get R0
	I32WrapI64
	V128Load $0
	Set V6
	Get R1
	I32WrapI64
	Get V6
	V128Store
	Get V1
	Get V6
	Get V0
	F32x4Eq
	I32x4Add
	Set V1
	Get V5
	Get V6
	Get V6
	F32x4Sub
	V128Or
	Set V5
	Get V6
	Get V2
	Get V6
	Get V2
	F32x4Lt
	V128Bitselect
	Set V2
	Get V6
	Get V3
	Get V6
	Get V3
	F32x4Gt
	V128Bitselect
	Set V3
	Get V4
	Get V6
	F32x4Add
	Set V4

	Get R0
	I32WrapI64
	V128Load $16
	Set V6
	Get R1
	I32WrapI64
	I32Const $16
	I32Add
	Get V6
	V128Store
	Get V1
	Get V6
	Get V0
	F32x4Eq
	I32x4Add
	Set V1
	Get V5
	Get V6
	Get V6
	F32x4Sub
	V128Or
	Set V5
	Get V6
	Get V2
	Get V6
	Get V2
	F32x4Lt
	V128Bitselect
	Set V2
	Get V6
	Get V3
	Get V6
	Get V3
	F32x4Gt
	V128Bitselect
	Set V3
	Get V4
	Get V6
	F32x4Add
	Set V4

	Get R0
	I64Const $32
	I64Add
	Set R0
	Get R1
	I64Const $32
	I64Add
	Set R1
	Get R7
	I64Const $1
	I64Sub
	Set R7
	Br $0
	End
	End

	// A NaN or an infinity: stop before this map.
	Get V5
	V128AnyTrue
	BrIf $1

	Get V9
	Get V1
	I32x4Add
	Set V9

	Get V7
	F32x4ExtractLane $0, $0
	Set F0
	Get V2
	F32x4ExtractLane $0, $0
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get V2
	F32x4ExtractLane $0, $1
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get V2
	F32x4ExtractLane $0, $2
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get V2
	F32x4ExtractLane $0, $3
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get R4
	I32WrapI64
	Get F0
	F32Store $0

	Get V8
	F32x4ExtractLane $0, $0
	Set F0
	Get V3
	F32x4ExtractLane $0, $0
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get V3
	F32x4ExtractLane $0, $1
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get V3
	F32x4ExtractLane $0, $2
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get V3
	F32x4ExtractLane $0, $3
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get R5
	I32WrapI64
	Get F0
	F32Store $0

	Get V4
	F32x4ExtractLane $0, $0
	F64PromoteF32
	Get V4
	F32x4ExtractLane $0, $1
	F64PromoteF32
	F64Add
	Get V4
	F32x4ExtractLane $0, $2
	F64PromoteF32
	F64Add
	Get V4
	F32x4ExtractLane $0, $3
	F64PromoteF32
	F64Add
	Set F17
	Get F16
	Get F17
	F64Add
	Set F16

	Get R4
	I64Const $4
	I64Add
	Set R4
	Get R5
	I64Const $4
	I64Add
	Set R5
	Get R8
	I64Const $1
	I64Add
	Set R8
	Br $0
	End
	End

	Get R6
	I32WrapI64
	Get F16
	F64Store $0
	Get R6
	I32WrapI64
	I32Const $8
	I32Add
	Get V9
	V128Store
	MOVD R8, ret+56(FP)
	RET

// scanMapsAsm is scanCopyMapsAsm without the copy (no dst, no R1).

// func scanMapsAsm(src *float32, maps, n8 int, lo, hi *float32, acc *mapsAcc) int
TEXT ·scanMapsAsm(SB), NOSPLIT, $0-56
	MOVD src+0(FP), R0
	MOVD maps+8(FP), R2
	MOVD n8+16(FP), R3
	MOVD lo+24(FP), R4
	MOVD hi+32(FP), R5
	MOVD acc+40(FP), R6
	I64Const $0
	Set R8

	I32Const $0
	I32x4Splat
	Set V0
	Get V0
	Set V9
	Get R6
	I32WrapI64
	F64Load $0
	Set F16
	Get R6
	I32WrapI64
	V128Load $24
	Set V7
	Get R6
	I32WrapI64
	V128Load $40
	Set V8

	Block
	Loop
	Get R8
	Get R2
	I64Eq
	BrIf $1

	Get V0
	Set V1
	Get V7
	Set V2
	Get V8
	Set V3
	Get V0
	Set V4
	Get V0
	Set V5
	Get R3
	Set R7

	Block
	Loop
	Get R7
	I64Eqz
	BrIf $1

	Get R0
	I32WrapI64
	V128Load $0
	Set V6
	Get V1
	Get V6
	Get V0
	F32x4Eq
	I32x4Add
	Set V1
	Get V5
	Get V6
	Get V6
	F32x4Sub
	V128Or
	Set V5
	Get V6
	Get V2
	Get V6
	Get V2
	F32x4Lt
	V128Bitselect
	Set V2
	Get V6
	Get V3
	Get V6
	Get V3
	F32x4Gt
	V128Bitselect
	Set V3
	Get V4
	Get V6
	F32x4Add
	Set V4

	Get R0
	I32WrapI64
	V128Load $16
	Set V6
	Get V1
	Get V6
	Get V0
	F32x4Eq
	I32x4Add
	Set V1
	Get V5
	Get V6
	Get V6
	F32x4Sub
	V128Or
	Set V5
	Get V6
	Get V2
	Get V6
	Get V2
	F32x4Lt
	V128Bitselect
	Set V2
	Get V6
	Get V3
	Get V6
	Get V3
	F32x4Gt
	V128Bitselect
	Set V3
	Get V4
	Get V6
	F32x4Add
	Set V4

	Get R0
	I64Const $32
	I64Add
	Set R0
	Get R7
	I64Const $1
	I64Sub
	Set R7
	Br $0
	End
	End

	// A NaN or an infinity: stop before this map.
	Get V5
	V128AnyTrue
	BrIf $1

	Get V9
	Get V1
	I32x4Add
	Set V9

	Get V7
	F32x4ExtractLane $0, $0
	Set F0
	Get V2
	F32x4ExtractLane $0, $0
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get V2
	F32x4ExtractLane $0, $1
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get V2
	F32x4ExtractLane $0, $2
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get V2
	F32x4ExtractLane $0, $3
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Lt
	Select
	Set F0
	Get R4
	I32WrapI64
	Get F0
	F32Store $0

	Get V8
	F32x4ExtractLane $0, $0
	Set F0
	Get V3
	F32x4ExtractLane $0, $0
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get V3
	F32x4ExtractLane $0, $1
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get V3
	F32x4ExtractLane $0, $2
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get V3
	F32x4ExtractLane $0, $3
	Set F1
	Get F1
	Get F0
	Get F1
	Get F0
	F32Gt
	Select
	Set F0
	Get R5
	I32WrapI64
	Get F0
	F32Store $0

	Get V4
	F32x4ExtractLane $0, $0
	F64PromoteF32
	Get V4
	F32x4ExtractLane $0, $1
	F64PromoteF32
	F64Add
	Get V4
	F32x4ExtractLane $0, $2
	F64PromoteF32
	F64Add
	Get V4
	F32x4ExtractLane $0, $3
	F64PromoteF32
	F64Add
	Set F17
	Get F16
	Get F17
	F64Add
	Set F16

	Get R4
	I64Const $4
	I64Add
	Set R4
	Get R5
	I64Const $4
	I64Add
	Set R5
	Get R8
	I64Const $1
	I64Add
	Set R8
	Br $0
	End
	End

	Get R6
	I32WrapI64
	Get F16
	F64Store $0
	Get R6
	I32WrapI64
	I32Const $8
	I32Add
	Get V9
	V128Store
	MOVD R8, ret+48(FP)
	RET
