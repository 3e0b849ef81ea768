//go:build amd64 && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func tile8x48AVX512(kc int, a, b *float32, ldb int, c *float32, ldc int, bias, add *float32, flags int)
//
// tile8x32AVX512 (tile_amd64.s) 48 columns wide: 8 rows (two A slivers:
// a, then a + kc*4 floats) by 48 columns of B's kc rows at stride ldb,
// 24 accumulators (row i in Z(3i)..Z(3i+2)). Each step loads B's three
// vectors and broadcasts A's 8 values: 8 broadcasts and 3 loads feed 24
// multiply-adds, where the 12x32 tile's 12 broadcasts and 2 loads feed 24
// and the 8x32 tile's 8 and 2 feed 16. The 32-column tiles are bound by
// the broadcasts (about one a cycle here), this one by the FMA units.
// Loop alone against tile12x32AVX512 (with its store), kc 256, data in
// L1, one worker, 9 rounds at load 7: 148-169 GFLOP/s against 124-151.
//
// Every element is one fused multiply-add a step in order of p from +0,
// then the epilogue in tile8x32AVX512's operations: the bits TilePair
// gives it. flags: bit 0 first, bit 1 last, bit 2 relu, bit 3 prefetch
// into L2 the next 48 columns of B's rows (B read in place: 192 bytes on;
// see tile_amd64.s's PFNEXTB). All 48 columns are read and written (no
// mask). ldc is in floats; bias (8 values) and add are used only when
// last and not nil.

// FMA48: one step's 8 broadcasts of A (a and a + kc*4 floats, at aoff)
// and 24 multiply-adds into Z0-Z23, B's three vectors in Z24-Z26.
#define FMA48(aoff) \
	VBROADCASTSS (aoff)(SI), Z27; \
	VFMADD231PS Z27, Z24, Z0; \
	VFMADD231PS Z27, Z25, Z1; \
	VFMADD231PS Z27, Z26, Z2; \
	VBROADCASTSS (aoff+4)(SI), Z28; \
	VFMADD231PS Z28, Z24, Z3; \
	VFMADD231PS Z28, Z25, Z4; \
	VFMADD231PS Z28, Z26, Z5; \
	VBROADCASTSS (aoff+8)(SI), Z29; \
	VFMADD231PS Z29, Z24, Z6; \
	VFMADD231PS Z29, Z25, Z7; \
	VFMADD231PS Z29, Z26, Z8; \
	VBROADCASTSS (aoff+12)(SI), Z30; \
	VFMADD231PS Z30, Z24, Z9; \
	VFMADD231PS Z30, Z25, Z10; \
	VFMADD231PS Z30, Z26, Z11; \
	VBROADCASTSS (aoff)(DI), Z27; \
	VFMADD231PS Z27, Z24, Z12; \
	VFMADD231PS Z27, Z25, Z13; \
	VFMADD231PS Z27, Z26, Z14; \
	VBROADCASTSS (aoff+4)(DI), Z28; \
	VFMADD231PS Z28, Z24, Z15; \
	VFMADD231PS Z28, Z25, Z16; \
	VFMADD231PS Z28, Z26, Z17; \
	VBROADCASTSS (aoff+8)(DI), Z29; \
	VFMADD231PS Z29, Z24, Z18; \
	VFMADD231PS Z29, Z25, Z19; \
	VFMADD231PS Z29, Z26, Z20; \
	VBROADCASTSS (aoff+12)(DI), Z30; \
	VFMADD231PS Z30, Z24, Z21; \
	VFMADD231PS Z30, Z25, Z22; \
	VFMADD231PS Z30, Z26, Z23

// STEP48: B's row at DX; STEP48N: the next row, at DX + R13.
#define STEP48(aoff) \
	VMOVUPS (DX), Z24; \
	VMOVUPS 64(DX), Z25; \
	VMOVUPS 128(DX), Z26; \
	FMA48(aoff)

#define STEP48N(aoff) \
	VMOVUPS (DX)(R13*1), Z24; \
	VMOVUPS 64(DX)(R13*1), Z25; \
	VMOVUPS 128(DX)(R13*1), Z26; \
	FMA48(aoff)

#define ROW3OLD(z0, z1, z2) \
	VMOVUPS (R9), Z24; \
	VMOVUPS 64(R9), Z25; \
	VMOVUPS 128(R9), Z26; \
	VADDPS z0, Z24, z0; \
	VADDPS z1, Z25, z1; \
	VADDPS z2, Z26, z2; \
	ADDQ R10, R9

#define ROW3BIAS(z0, z1, z2, off) \
	VADDPS.BCST (off*4)(R11), z0, z0; \
	VADDPS.BCST (off*4)(R11), z1, z1; \
	VADDPS.BCST (off*4)(R11), z2, z2

#define ROW3ADD(z0, z1, z2) \
	VMOVUPS (R12), Z24; \
	VMOVUPS 64(R12), Z25; \
	VMOVUPS 128(R12), Z26; \
	VADDPS Z24, z0, z0; \
	VADDPS Z25, z1, z1; \
	VADDPS Z26, z2, z2; \
	ADDQ R10, R12

#define ROW3RELU(z0, z1, z2) \
	VCMPPS $1, Z31, z0, K1; \
	VMOVAPS Z31, K1, z0; \
	VCMPPS $1, Z31, z1, K2; \
	VMOVAPS Z31, K2, z1; \
	VCMPPS $1, Z31, z2, K1; \
	VMOVAPS Z31, K1, z2

#define ROW3STORE(z0, z1, z2) \
	VMOVUPS z0, (R9); \
	VMOVUPS z1, 64(R9); \
	VMOVUPS z2, 128(R9); \
	ADDQ R10, R9

// PF3ROW prefetches, once per iteration (two steps), the next of the 16
// rows of C (R9, R8 left) the tile and the one below store, and of add
// (R12, when not 0): 3 lines each (see tile_amd64.s's PFROW).
#define PF3ROW(lbl) \
	TESTQ R8, R8; \
	JZ    lbl; \
	PREFETCHT0 (R9); \
	PREFETCHT0 64(R9); \
	PREFETCHT0 128(R9); \
	ADDQ  R10, R9; \
	DECQ  R8; \
	TESTQ R12, R12; \
	JZ    lbl; \
	PREFETCHT0 (R12); \
	PREFETCHT0 64(R12); \
	PREFETCHT0 128(R12); \
	ADDQ  R10, R12; \
lbl:

TEXT ·tile8x48AVX512(SB), NOSPLIT, $0-72
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R13
	SHLQ $2, R13
	MOVQ CX, DI
	SHLQ $4, DI
	ADDQ SI, DI // the second sliver: a + kc*4 floats
	MOVQ c+32(FP), R9
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	MOVQ $16, R8
	XORQ R12, R12
	MOVQ flags+64(FP), R11
	TESTQ $2, R11
	JZ   t48pfs
	MOVQ add+56(FP), R12
t48pfs:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   t48tail

t48loop2:
	STEP48(0)
	PF3ROW(t48pf)
	TESTQ $8, R11
	JZ    t48nopfb
	PREFETCHT1 192(DX)
	PREFETCHT1 256(DX)
	PREFETCHT1 320(DX)
	PREFETCHT1 192(DX)(R13*1)
	PREFETCHT1 256(DX)(R13*1)
	PREFETCHT1 320(DX)(R13*1)

t48nopfb:
	STEP48N(16)
	ADDQ $32, SI
	ADDQ $32, DI
	LEAQ (DX)(R13*2), DX
	DECQ BX
	JNZ  t48loop2

t48tail:
	TESTQ $1, CX
	JZ    t48epilogue
	STEP48(0)

t48epilogue:
	MOVQ c+32(FP), R9
	MOVQ bias+48(FP), R11
	MOVQ add+56(FP), R12
	MOVQ flags+64(FP), R8

	TESTQ $1, R8
	JNZ   t48nofirst
	ROW3OLD(Z0, Z1, Z2)
	ROW3OLD(Z3, Z4, Z5)
	ROW3OLD(Z6, Z7, Z8)
	ROW3OLD(Z9, Z10, Z11)
	ROW3OLD(Z12, Z13, Z14)
	ROW3OLD(Z15, Z16, Z17)
	ROW3OLD(Z18, Z19, Z20)
	ROW3OLD(Z21, Z22, Z23)
	MOVQ c+32(FP), R9

t48nofirst:
	TESTQ $2, R8
	JZ    t48store
	TESTQ R11, R11
	JZ    t48nobias
	ROW3BIAS(Z0, Z1, Z2, 0)
	ROW3BIAS(Z3, Z4, Z5, 1)
	ROW3BIAS(Z6, Z7, Z8, 2)
	ROW3BIAS(Z9, Z10, Z11, 3)
	ROW3BIAS(Z12, Z13, Z14, 4)
	ROW3BIAS(Z15, Z16, Z17, 5)
	ROW3BIAS(Z18, Z19, Z20, 6)
	ROW3BIAS(Z21, Z22, Z23, 7)

t48nobias:
	TESTQ R12, R12
	JZ    t48noadd
	ROW3ADD(Z0, Z1, Z2)
	ROW3ADD(Z3, Z4, Z5)
	ROW3ADD(Z6, Z7, Z8)
	ROW3ADD(Z9, Z10, Z11)
	ROW3ADD(Z12, Z13, Z14)
	ROW3ADD(Z15, Z16, Z17)
	ROW3ADD(Z18, Z19, Z20)
	ROW3ADD(Z21, Z22, Z23)

t48noadd:
	TESTQ $4, R8
	JZ    t48store
	VPXORD Z31, Z31, Z31
	ROW3RELU(Z0, Z1, Z2)
	ROW3RELU(Z3, Z4, Z5)
	ROW3RELU(Z6, Z7, Z8)
	ROW3RELU(Z9, Z10, Z11)
	ROW3RELU(Z12, Z13, Z14)
	ROW3RELU(Z15, Z16, Z17)
	ROW3RELU(Z18, Z19, Z20)
	ROW3RELU(Z21, Z22, Z23)

t48store:
	ROW3STORE(Z0, Z1, Z2)
	ROW3STORE(Z3, Z4, Z5)
	ROW3STORE(Z6, Z7, Z8)
	ROW3STORE(Z9, Z10, Z11)
	ROW3STORE(Z12, Z13, Z14)
	ROW3STORE(Z15, Z16, Z17)
	ROW3STORE(Z18, Z19, Z20)
	ROW3STORE(Z21, Z22, Z23)
	VZEROUPPER
	RET

// func copyStrip48(dst, src *float32, ldb, kc, pf int)
//
// copyStrip32 (tile_amd64.s) for 48 columns: kc rows of 48 floats, src at
// row stride ldb (floats), into dst contiguously; when pf is not 0 it
// also prefetches into L2 the 48 floats that follow each source row.
TEXT ·copyStrip48(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ kc+24(FP), CX
	MOVQ pf+32(FP), R9

cs48loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	TESTQ   R9, R9
	JZ      cs48nopf
	PREFETCHT1 192(SI)
	PREFETCHT1 256(SI)
	PREFETCHT1 320(SI)

cs48nopf:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	ADDQ    $192, DI
	ADDQ    R8, SI
	DECQ    CX
	JNZ     cs48loop
	VZEROUPPER
	RET
