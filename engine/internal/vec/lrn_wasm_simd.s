//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// LRN's loops (lrn_wasm_simd.go), two values an iteration: x's two
// float32 loaded as one i64 into a vector (i64x2.splat: Go's assembler
// encodes v128.load64_zero with a bad alignment) and the low two widened
// (f64x2.promote_low_f32x4); results narrowed back
// (f32x4.demote_f64x2_zero) and stored as one 64-bit lane.

// func squaresAddAsm(sum *float64, x *float32, n2 int)
TEXT ·squaresAddAsm(SB), NOSPLIT, $0-24
	MOVD sum+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n2+16(FP), R2

	Block
	Loop
	Get R2
	I64Eqz
	BrIf $1
	Get R1
	I32WrapI64
	I64Load $0
	I64x2Splat
	F64x2PromoteLowF32x4
	Set V0
	Get R0
	I32WrapI64
	Get R0
	I32WrapI64
	V128Load $0
	Get V0
	Get V0
	F64x2Mul
	F64x2Add
	V128Store
	Get R0
	I64Const $16
	I64Add
	Set R0
	Get R1
	I64Const $8
	I64Add
	Set R1
	Get R2
	I64Const $1
	I64Sub
	Set R2
	Br $0
	End
	End
	RET

// func lrnScaleAsm(dst, x *float32, sum *float64, n2 int, bk *[2]float64)
TEXT ·lrnScaleAsm(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD sum+16(FP), R2
	MOVD n2+24(FP), R3
	MOVD bk+32(FP), R4
	Get R4
	I32WrapI64
	F64Load $0
	F64x2Splat
	Set V1
	Get R4
	I32WrapI64
	F64Load $8
	F64x2Splat
	Set V2

	Block
	Loop
	Get R3
	I64Eqz
	BrIf $1
	// r = sqrt(bias + k*sum)
	Get V1
	Get V2
	Get R2
	I32WrapI64
	V128Load $0
	F64x2Mul
	F64x2Add
	F64x2Sqrt
	Set V0
	Get R0
	I32WrapI64
	// float32(float64(x) / (r*sqrt(r)))
	Get R1
	I32WrapI64
	I64Load $0
	I64x2Splat
	F64x2PromoteLowF32x4
	Get V0
	Get V0
	F64x2Sqrt
	F64x2Mul
	F64x2Div
	F32x4DemoteF64x2Zero
	I64x2ExtractLane $0, $0
	I64Store $0
	Get R0
	I64Const $8
	I64Add
	Set R0
	Get R1
	I64Const $8
	I64Add
	Set R1
	Get R2
	I64Const $16
	I64Add
	Set R2
	Get R3
	I64Const $1
	I64Sub
	Set R3
	Br $0
	End
	End
	RET
