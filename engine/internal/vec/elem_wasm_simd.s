//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// The Add, Relu and AddRelu loops in WebAssembly (addSIMD128, reluSIMD128,
// addReluSIMD128), 8 values (two v128) an iteration, as the max loops
// (max_wasm_simd.s): in Go the loops' slice checks and address arithmetic
// cost more than the arithmetic (BenchmarkPaths in Node, min ns/value:
// add 1.13, relu 0.61, where max2Asm takes 0.28). The app's program runs
// every ReLU and residual Add as a node of its own (it keeps both sides
// for its table), and conv paths without the GEMM's epilogue add a
// ResNet's residual with AddRelu. The same lane operations as the Go
// loops: f32x4.add; ReLU keeps v unless v < 0 (bitselect(0, v, v < 0)),
// so -0 and NaN pass. Each vector is stored before the next is loaded:
// dst may be a or b (the same slice), as the Go loops allow. Go's
// assembler drops a hand-written V128Store's offset, so the second store
// adds 16 to its address itself.

// func addAsm(dst, a, b *float32, n8 int)
TEXT ·addAsm(SB), NOSPLIT, $0-32
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
	F32x4Add
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
	F32x4Add
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

// func reluAsm(dst, src *float32, n8 int)
TEXT ·reluAsm(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n8+16(FP), R7
	I32Const $0
	I32x4Splat
	Set V0

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
	Set V1
	Get V0
	Get V1
	Get V1
	Get V0
	F32x4Lt
	V128Bitselect
	V128Store
	Get R0
	I32WrapI64
	I32Const $16
	I32Add
	Get R1
	I32WrapI64
	V128Load $16
	Set V1
	Get V0
	Get V1
	Get V1
	Get V0
	F32x4Lt
	V128Bitselect
	V128Store
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
	RET

// func addReluAsm(dst, a, b *float32, n8 int)
TEXT ·addReluAsm(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD n8+24(FP), R7
	I32Const $0
	I32x4Splat
	Set V0

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
	F32x4Add
	Set V1
	Get V0
	Get V1
	Get V1
	Get V0
	F32x4Lt
	V128Bitselect
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
	F32x4Add
	Set V1
	Get V0
	Get V1
	Get V1
	Get V0
	F32x4Lt
	V128Bitselect
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
