//go:build amd64 && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func edge4AVX512(kc int, a, b *float32, ldb int, out *float32, slivers int)
//
// The last 4 columns of a product (n = 32q+4: 14x14 maps, n = 196) on
// slivers (4 or 8) consecutive packed A slivers (a: slivers*kc*4 floats,
// sliver s at a + s*kc*4) and B's kc rows of 4 values at row stride ldb
// (floats). A register holds one sliver's 4x4 block of C, lane 4j+r row r
// column j: each step broadcasts the sliver's 4 values of A to the four
// 128-bit lanes (VBROADCASTF32X4, a load) and B's 4 values of the row
// spread as b0 x4, b1 x4, ... (one VPERMPS for all slivers), then one
// fused multiply-add per sliver, in order of p from zero: each element
// gets the bits the 4x32 tiles give it. A 32-column tile masked to 4
// columns (TileTriple's edge) spends its 12 broadcasts per step on 12 of
// its 384 lanes' worth of work: 256x196x1024 took 812-828 us one worker
// against 724 for 256x192x1024. In-process A/B, one worker, bias and
// ReLU, 300 calls each alternating, p10 thread-CPU us, two rounds, masked
// tile -> Edge4: 256x196x1024 828/898 -> 770/854, 1024x196x256 823/829 ->
// 786/802, 128x196x1152 493/496 -> 451/461, 832x196x256 651/663 ->
// 617/630, 208x196x480 319/310 -> 298/291, 256x196x2304 1901/1998 ->
// 1765/1852, 48x196x832 145/250 -> 137/238.
//
// out gets the slivers*16 values row-major, 4 per row (out[4*i+j]: row
// i of the slivers' rows, column j), for the caller's store and epilogue.
TEXT ·edge4AVX512(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R13
	SHLQ $2, R13
	MOVQ out+32(FP), AX
	MOVQ slivers+40(FP), BX
	MOVQ CX, R8
	SHLQ $4, R8             // a sliver: kc*16 bytes
	LEAQ (R8)(R8*2), R9     // 3 slivers
	LEAQ (SI)(R8*4), DI     // sliver 4
	VMOVDQU32 e4spread<>(SB), Z30
	VMOVDQU32 e4trans<>(SB), Z31
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	CMPQ BX, $8
	JEQ  e4loop8

e4loop4:
	VBROADCASTF32X4 (DX), Z16
	VPERMPS Z16, Z30, Z16
	VBROADCASTF32X4 (SI), Z17
	VBROADCASTF32X4 (SI)(R8*1), Z18
	VBROADCASTF32X4 (SI)(R8*2), Z19
	VBROADCASTF32X4 (SI)(R9*1), Z20
	VFMADD231PS Z17, Z16, Z0
	VFMADD231PS Z18, Z16, Z1
	VFMADD231PS Z19, Z16, Z2
	VFMADD231PS Z20, Z16, Z3
	ADDQ $16, SI
	ADDQ R13, DX
	DECQ CX
	JNZ  e4loop4
	JMP  e4store

e4loop8:
	VBROADCASTF32X4 (DX), Z16
	VPERMPS Z16, Z30, Z16
	VBROADCASTF32X4 (SI), Z17
	VBROADCASTF32X4 (SI)(R8*1), Z18
	VBROADCASTF32X4 (SI)(R8*2), Z19
	VBROADCASTF32X4 (SI)(R9*1), Z20
	VBROADCASTF32X4 (DI), Z21
	VBROADCASTF32X4 (DI)(R8*1), Z22
	VBROADCASTF32X4 (DI)(R8*2), Z23
	VBROADCASTF32X4 (DI)(R9*1), Z24
	VFMADD231PS Z17, Z16, Z0
	VFMADD231PS Z18, Z16, Z1
	VFMADD231PS Z19, Z16, Z2
	VFMADD231PS Z20, Z16, Z3
	VFMADD231PS Z21, Z16, Z4
	VFMADD231PS Z22, Z16, Z5
	VFMADD231PS Z23, Z16, Z6
	VFMADD231PS Z24, Z16, Z7
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ R13, DX
	DECQ CX
	JNZ  e4loop8

	// Rows 4..7 of the output (slivers 4..7), then the first four.
	VPERMPS Z4, Z31, Z4
	VPERMPS Z5, Z31, Z5
	VPERMPS Z6, Z31, Z6
	VPERMPS Z7, Z31, Z7
	VMOVUPS Z4, 256(AX)
	VMOVUPS Z5, 320(AX)
	VMOVUPS Z6, 384(AX)
	VMOVUPS Z7, 448(AX)

e4store:
	VPERMPS Z0, Z31, Z0
	VPERMPS Z1, Z31, Z1
	VPERMPS Z2, Z31, Z2
	VPERMPS Z3, Z31, Z3
	VMOVUPS Z0, (AX)
	VMOVUPS Z1, 64(AX)
	VMOVUPS Z2, 128(AX)
	VMOVUPS Z3, 192(AX)
	VZEROUPPER
	RET

// e4spread: lane 4j+r takes B's value j (VPERMPS index).
DATA e4spread<>+0(SB)/4, $0
DATA e4spread<>+4(SB)/4, $0
DATA e4spread<>+8(SB)/4, $0
DATA e4spread<>+12(SB)/4, $0
DATA e4spread<>+16(SB)/4, $1
DATA e4spread<>+20(SB)/4, $1
DATA e4spread<>+24(SB)/4, $1
DATA e4spread<>+28(SB)/4, $1
DATA e4spread<>+32(SB)/4, $2
DATA e4spread<>+36(SB)/4, $2
DATA e4spread<>+40(SB)/4, $2
DATA e4spread<>+44(SB)/4, $2
DATA e4spread<>+48(SB)/4, $3
DATA e4spread<>+52(SB)/4, $3
DATA e4spread<>+56(SB)/4, $3
DATA e4spread<>+60(SB)/4, $3
GLOBL e4spread<>(SB), RODATA|NOPTR, $64

// e4trans: lane 4r+j takes lane 4j+r (the 4x4 block transposed: row-major).
DATA e4trans<>+0(SB)/4, $0
DATA e4trans<>+4(SB)/4, $4
DATA e4trans<>+8(SB)/4, $8
DATA e4trans<>+12(SB)/4, $12
DATA e4trans<>+16(SB)/4, $1
DATA e4trans<>+20(SB)/4, $5
DATA e4trans<>+24(SB)/4, $9
DATA e4trans<>+28(SB)/4, $13
DATA e4trans<>+32(SB)/4, $2
DATA e4trans<>+36(SB)/4, $6
DATA e4trans<>+40(SB)/4, $10
DATA e4trans<>+44(SB)/4, $14
DATA e4trans<>+48(SB)/4, $3
DATA e4trans<>+52(SB)/4, $7
DATA e4trans<>+56(SB)/4, $11
DATA e4trans<>+60(SB)/4, $15
GLOBL e4trans<>(SB), RODATA|NOPTR, $64
