//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// The max pools' long elementwise maxima in WebAssembly (maxSIMD128,
// max3SIMD128), 8 values (two v128) an iteration: in Go the loop's slice
// checks and address arithmetic cost more than the f32x4.max themselves
// (max3SIMD128 was 1.6% of a ResNet-50 + GoogLeNet profile in Node, most
// of GoogLeNet's pools). Go's assembler drops a hand-written V128Store's
// offset (it reads To's, the operand is in From), so the second store adds
// 16 to its address itself. f32x4.max(f32x4.max(a, b), c), as the Go code.

// func max2Asm(dst, a, b *float32, n8 int)
TEXT ·max2Asm(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD n8+24(FP), R7

	Block
	Loop
	Get R7
	I64Eqz
	BrIf $1
	Get R0
	I32WrapI64
	Get R1
	I32WrapI64
	V128Load $0
	Get R2
	I32WrapI64
	V128Load $0
	F32x4Max
	V128Store
	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get R1
	I32WrapI64
	V128Load $16
	Get R2
	I32WrapI64
	V128Load $16
	F32x4Max
	V128Store
	Get R0
	I64Const $32
	I64Add
	Set R0
	Get R1
	I64Const $32
	I64Add
	Set R1
	Get R2
	I64Const $32
	I64Add
	Set R2
	Get R7
	I64Const $1
	I64Sub
	Set R7
	Br $0
	End
	End
	RET

// func max3Asm(dst, a, b, c *float32, n8 int)
TEXT ·max3Asm(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD c+24(FP), R3
	MOVD n8+32(FP), R7

	Block
	Loop
	Get R7
	I64Eqz
	BrIf $1
	Get R0
	I32WrapI64
	Get R1
	I32WrapI64
	V128Load $0
	Get R2
	I32WrapI64
	V128Load $0
	F32x4Max
	Get R3
	I32WrapI64
	V128Load $0
	F32x4Max
	V128Store
	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get R1
	I32WrapI64
	V128Load $16
	Get R2
	I32WrapI64
	V128Load $16
	F32x4Max
	Get R3
	I32WrapI64
	V128Load $16
	F32x4Max
	V128Store
	Get R0
	I64Const $32
	I64Add
	Set R0
	Get R1
	I64Const $32
	I64Add
	Set R1
	Get R2
	I64Const $32
	I64Add
	Set R2
	Get R3
	I64Const $32
	I64Add
	Set R3
	Get R7
	I64Const $1
	I64Sub
	Set R7
	Br $0
	End
	End
	RET
