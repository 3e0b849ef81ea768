//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func packB8Asm(dst, src *float32, ldb, kc, slivers int)
//
// packB's copy of a panel's full 8-wide slivers (see packRows8), row by
// row: row p of B (src + p*ldb floats) is cut into slivers 8 floats
// (two v128) at a time, sliver s's row p at dst + (s*kc + p)*8 floats.
// In assembly for the loads' constant offsets (the assembler drops a
// V128Store's: the second store adds 16 itself) and a loop without Go's
// slice checks and block-table jump: in Go (copy8 per sliver
// row) this copy was 4.6% of a ResNet-50 pass in Node, as much as all of
// im2col.
//
// Registers: R0 dst of row p, sliver 0; R1 src row p; R2 ldb*4; R3 rows
// left; R4 slivers; R5 kc*32 (a sliver in bytes); R6 R7 the src and dst
// cursors along the row; R8 slivers left in the row.
TEXT ·packB8Asm(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD ldb+16(FP), R2
	MOVD kc+24(FP), R3
	MOVD slivers+32(FP), R4
	Get R2
	I64Const $2
	I64Shl
	Set R2
	Get R3
	I64Const $5
	I64Shl
	Set R5

	Block
	Loop
	Get R3
	I64Eqz
	BrIf $1
	Get R1
	Set R6
	Get R0
	Set R7
	Get R4
	Set R8

	Block
	Loop
	Get R8
	I64Eqz
	BrIf $1
	Get R7
	I32WrapI64
	Get R6
	I32WrapI64
	V128Load $0
	V128Store
	Get R7
	I32WrapI64
	I32Const $16
	I32Add
	Get R6
	I32WrapI64
	V128Load $16
	V128Store
	Get R6
	I64Const $32
	I64Add
	Set R6
	Get R7
	Get R5
	I64Add
	Set R7
	Get R8
	I64Const $1
	I64Sub
	Set R8
	Br $0
	End
	End

	Get R1
	Get R2
	I64Add
	Set R1
	Get R0
	I64Const $32
	I64Add
	Set R0
	Get R3
	I64Const $1
	I64Sub
	Set R3
	Br $0
	End
	End
	RET
