//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// copyRowsAsm copies rows rows of n4 v128 (4 float32 each): row r from
// src + r*srcStride to dst + r*dstStride (strides in bytes), one
// v128.load/v128.store pair per 4 values; with tail != 0, one more v128 at
// byte tailOff of the row (a row of n >= 4 values, n not a multiple of 4:
// its last 4 values, which overlap the ones before, written again with
// the same bits). Go's copy is a memory.copy,
// which V8 runs as a call into its runtime: for im2col's row segments and
// the max pools' rows of 8-32 values (the CIFAR-10 maps) that call was
// most of the copy.

// func copyRowsAsm(dst, src *float32, rows, n4, dstStride, srcStride, tail, tailOff int)
TEXT ·copyRowsAsm(SB), NOSPLIT, $0-64
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD n4+24(FP), R3
	MOVD dstStride+32(FP), R4
	MOVD srcStride+40(FP), R5
	MOVD tail+48(FP), R9
	MOVD tailOff+56(FP), R10

	Block
	Loop
	Get R2
	I64Eqz
	BrIf $1
	Get R0
	Set R6
	Get R1
	Set R7
	Get R3
	Set R8
	Block
	Loop
	Get R8
	I64Eqz
	BrIf $1
	Get R6
	I32WrapI64
	Get R7
	I32WrapI64
	V128Load $0
	V128Store
	Get R6
	I64Const $16
	I64Add
	Set R6
	Get R7
	I64Const $16
	I64Add
	Set R7
	Get R8
	I64Const $1
	I64Sub
	Set R8
	Br $0
	End
	End
	Get R9
	I64Eqz
	I32Eqz
	If
	Get R0
	Get R10
	I64Add
	I32WrapI64
	Get R1
	Get R10
	I64Add
	I32WrapI64
	V128Load $0
	V128Store
	End
	Get R0
	Get R4
	I64Add
	Set R0
	Get R1
	Get R5
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

// copyRowsS2Asm is copyRowsAsm taking every other value of src: row r of
// dst gets src[r*srcStride + 2j], 4 values from two v128 loads (8 values)
// whose even lanes two swizzles (tbl, as evenLanes) move to lanes 0-1 and
// 2-3 of one vector, the rest zero, and an or joins. With tail != 0, one
// more 4 values at byte tailOff of the dst row (n >= 4 not a multiple of
// 4: the last 4, overlapping). A row's loads reach one value past its
// last one taken, src[r*srcStride + 2n-1].

// func copyRowsS2Asm(dst, src *float32, rows, n4, dstStride, srcStride, tail, tailOff int, tbl *[32]uint8)
TEXT ·copyRowsS2Asm(SB), NOSPLIT, $0-72
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD rows+16(FP), R2
	MOVD n4+24(FP), R3
	MOVD dstStride+32(FP), R4
	MOVD srcStride+40(FP), R5
	MOVD tail+48(FP), R9
	MOVD tailOff+56(FP), R10
	MOVD tbl+64(FP), R11
	Get R11
	I32WrapI64
	V128Load $0
	Set V0
	Get R11
	I32WrapI64
	V128Load $16
	Set V1

	Block
	Loop
	Get R2
	I64Eqz
	BrIf $1
	Get R0
	Set R6
	Get R1
	Set R7
	Get R3
	Set R8
	Block
	Loop
	Get R8
	I64Eqz
	BrIf $1
	Get R6
	I32WrapI64
	Get R7
	I32WrapI64
	V128Load $0
	Get V0
	I8x16Swizzle
	Get R7
	I32WrapI64
	V128Load $16
	Get V1
	I8x16Swizzle
	V128Or
	V128Store
	Get R6
	I64Const $16
	I64Add
	Set R6
	Get R7
	I64Const $32
	I64Add
	Set R7
	Get R8
	I64Const $1
	I64Sub
	Set R8
	Br $0
	End
	End
	Get R9
	I64Eqz
	I32Eqz
	If
	Get R0
	Get R10
	I64Add
	I32WrapI64
	Get R1
	Get R10
	I64Add
	Get R10
	I64Add
	I32WrapI64
	V128Load $0
	Get V0
	I8x16Swizzle
	Get R1
	Get R10
	I64Add
	Get R10
	I64Add
	I32WrapI64
	V128Load $16
	Get V1
	I8x16Swizzle
	V128Or
	V128Store
	End
	Get R0
	Get R4
	I64Add
	Set R0
	Get R1
	Get R5
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

// im2colPlaneAsm is copyRowsAsm for all the kh*kw rows of one channel's
// im2col matrix in one call: row (ky, kx), at dst + (ky*kw+kx)*dstRow
// bytes, is rows copies of n4 v128 (and the tail) from src + ky*srcKy +
// 4*kx at a stride of srcStride bytes, each row of the copy dstStride
// bytes after the one before. The im2col of a 5x5 conv on 8x8 maps made a
// copyRows call for every 8 rows of 8 values, and the calls cost as much
// as the copies.

// func im2colPlaneAsm(dst, src *float32, kh, kw, rows, n4, dstStride, srcStride, tail, tailOff, dstRow, srcKy int)
TEXT ·im2colPlaneAsm(SB), NOSPLIT, $0-96
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD kh+16(FP), R12
	MOVD rows+32(FP), R11
	MOVD dstStride+48(FP), R4
	MOVD srcStride+56(FP), R5
	MOVD tail+64(FP), R9
	MOVD tailOff+72(FP), R10

	// R12: kernel rows left; R13: kernel columns left; R14, R15: the
	// source of kernel row ky, column kx.
	Block
	Loop
	Get R12
	I64Eqz
	BrIf $1
	Get R1
	Set R14
	MOVD kw+24(FP), R13

	Block
	Loop
	Get R13
	I64Eqz
	BrIf $1
	// One im2col row: rows copies from R15 = R14 to R0.
	Get R0
	Set R6
	Get R14
	Set R15
	Get R11
	Set R2

	Block
	Loop
	Get R2
	I64Eqz
	BrIf $1
	Get R6
	Set R7
	Get R15
	Set R8
	MOVD n4+40(FP), R3

	Block
	Loop
	Get R3
	I64Eqz
	BrIf $1
	Get R7
	I32WrapI64
	Get R8
	I32WrapI64
	V128Load $0
	V128Store
	Get R7
	I64Const $16
	I64Add
	Set R7
	Get R8
	I64Const $16
	I64Add
	Set R8
	Get R3
	I64Const $1
	I64Sub
	Set R3
	Br $0
	End
	End
	Get R9
	I64Eqz
	I32Eqz
	If
	Get R6
	Get R10
	I64Add
	I32WrapI64
	Get R15
	Get R10
	I64Add
	I32WrapI64
	V128Load $0
	V128Store
	End
	Get R6
	Get R4
	I64Add
	Set R6
	Get R15
	Get R5
	I64Add
	Set R15
	Get R2
	I64Const $1
	I64Sub
	Set R2
	Br $0
	End
	End

	// Next kernel column: one value right; next im2col row.
	MOVD dstRow+80(FP), R7
	Get R0
	Get R7
	I64Add
	Set R0
	Get R14
	I64Const $4
	I64Add
	Set R14
	Get R13
	I64Const $1
	I64Sub
	Set R13
	Br $0
	End
	End

	// Next kernel row: srcKy bytes down.
	MOVD srcKy+88(FP), R7
	Get R1
	Get R7
	I64Add
	Set R1
	Get R12
	I64Const $1
	I64Sub
	Set R12
	Br $0
	End
	End
	RET
