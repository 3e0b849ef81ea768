//go:build amd64 && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// func tile8x32AVX512(kc int, a, b *float32, ldb int, c *float32, ldc int, bias, add *float32, flags, mask int, pf unsafe.Pointer)
//
// Two 4x32 register tiles of AVX512 stacked (8 rows x 32 columns) over two
// consecutive packed A slivers (a: kc*4 floats, then the next sliver's kc*4)
// and B's kc rows of 32 columns at stride ldb (a packed sliver: ldb 32;
// or B itself, unpacked, with its row stride), stored into C with the epilogue (see tilePair
// in tile_amd64.go for the contract). Z0..Z15 hold the 16 accumulators (row
// i in Z(2i), Z(2i+1)); each step loads B's two vectors, broadcasts A's 8
// values into Z18..Z25 (VBROADCASTSS from memory) and multiply-adds, one
// fused multiply-add per element and step, in order of p from zero: the
// bits of kernelAVX512x4x32 on each sliver.
//
// The broadcasts are separate loads, not the multiply-add's embedded
// broadcast (VFMADD231PS.BCST): that loads each A value twice, 18 loads per
// 16 multiply-adds, and ran at 165-182 GFLOP/s here (AMD EPYC, Zen 5) where
// 10 loads run at 197-209, the machine's peak for register-only
// multiply-adds (206-209). The Go 4x32 kernel: 165-175.
//
// flags: bit 0 first, bit 1 last, bit 2 relu, bit 3 prefetch (into L2) the
// next B sliver: the 32 columns of B's kc rows that follow the tile's, or
// after a packed sliver (ldb 32) the kc*32 floats that follow it (see
// Kernel.TilePair's nextB and PFBSETUP), bit 4 prefetch (into L2) the
// 64*kc bytes from pf on, two lines an iteration (not with bit 3: see
// Kernel.TilePairPF). ldc is in floats. bias (8
// values) and add are used only when last and not nil. mask selects the
// columns of B, C and add that are read (and of C written): bits 0-15 the first
// vector's lanes (K3), bits 16-31 the second's (K4); a column outside it
// is never touched (AVX-512 suppresses faults on masked-off lanes), so an
// edge tile narrower than 32 takes this path too.

#define STEP(aoff, b0, b1) \
	VMOVUPS.Z b0, K3, Z16; \
	VMOVUPS.Z b1, K4, Z17; \
	VBROADCASTSS (aoff)(SI), Z18; \
	VBROADCASTSS (aoff+4)(SI), Z19; \
	VBROADCASTSS (aoff+8)(SI), Z20; \
	VBROADCASTSS (aoff+12)(SI), Z21; \
	VBROADCASTSS (aoff)(DI), Z22; \
	VBROADCASTSS (aoff+4)(DI), Z23; \
	VBROADCASTSS (aoff+8)(DI), Z24; \
	VBROADCASTSS (aoff+12)(DI), Z25; \
	VFMADD231PS Z18, Z16, Z0; \
	VFMADD231PS Z18, Z17, Z1; \
	VFMADD231PS Z19, Z16, Z2; \
	VFMADD231PS Z19, Z17, Z3; \
	VFMADD231PS Z20, Z16, Z4; \
	VFMADD231PS Z20, Z17, Z5; \
	VFMADD231PS Z21, Z16, Z6; \
	VFMADD231PS Z21, Z17, Z7; \
	VFMADD231PS Z22, Z16, Z8; \
	VFMADD231PS Z22, Z17, Z9; \
	VFMADD231PS Z23, Z16, Z10; \
	VFMADD231PS Z23, Z17, Z11; \
	VFMADD231PS Z24, Z16, Z12; \
	VFMADD231PS Z24, Z17, Z13; \
	VFMADD231PS Z25, Z16, Z14; \
	VFMADD231PS Z25, Z17, Z15

// STEPH is STEP on the first of B's two vectors only (see STEP12H): the
// same fused multiply-adds in the same order on the first vector's
// accumulators.
#define STEPH(aoff, b0) \
	VMOVUPS.Z b0, K3, Z16; \
	VBROADCASTSS (aoff)(SI), Z18; \
	VBROADCASTSS (aoff+4)(SI), Z19; \
	VBROADCASTSS (aoff+8)(SI), Z20; \
	VBROADCASTSS (aoff+12)(SI), Z21; \
	VBROADCASTSS (aoff)(DI), Z22; \
	VBROADCASTSS (aoff+4)(DI), Z23; \
	VBROADCASTSS (aoff+8)(DI), Z24; \
	VBROADCASTSS (aoff+12)(DI), Z25; \
	VFMADD231PS Z18, Z16, Z0; \
	VFMADD231PS Z19, Z16, Z2; \
	VFMADD231PS Z20, Z16, Z4; \
	VFMADD231PS Z21, Z16, Z6; \
	VFMADD231PS Z22, Z16, Z8; \
	VFMADD231PS Z23, Z16, Z10; \
	VFMADD231PS Z24, Z16, Z12; \
	VFMADD231PS Z25, Z16, Z14

// ROWOLD adds row r of C (at R9) to accumulators z0, z1 as C + acc (C
// the first operand, as storeTileAddAVX512's row.Add(acc)), then moves R9
// to the next row; t0 and t1 are temporaries (ROWADD's too).
#define ROWOLD(z0, z1, t0, t1) \
	VMOVUPS.Z (R9), K3, t0; \
	VMOVUPS.Z 64(R9), K4, t1; \
	VADDPS z0, t0, z0; \
	VADDPS z1, t1, z1; \
	ADDQ R10, R9

#define ROWBIAS(z0, z1, off) \
	VADDPS.BCST (off*4)(R11), z0, z0; \
	VADDPS.BCST (off*4)(R11), z1, z1

#define ROWADD(z0, z1, t0, t1) \
	VMOVUPS.Z (R12), K3, t0; \
	VMOVUPS.Z 64(R12), K4, t1; \
	VADDPS t0, z0, z0; \
	VADDPS t1, z1, z1; \
	ADDQ R10, R12

// ROWRELU zeroes the lanes below zero (not -0, not NaN: v < 0 is false for
// them), as zero.IfElse(v.Less(zero), v); zero holds +0.
#define ROWRELU(z0, z1, zero) \
	VCMPPS $1, zero, z0, K1; \
	VMOVAPS zero, K1, z0; \
	VCMPPS $1, zero, z1, K2; \
	VMOVAPS zero, K2, z1

#define ROWSTORE(z0, z1) \
	VMOVUPS z0, K3, (R9); \
	VMOVUPS z1, K4, 64(R9); \
	ADDQ R10, R9

// PFROW prefetches, once per iteration of a tile's loop (two steps of p),
// the next of the rows of C (R9) and of add (R12, when not 0) the tiles
// store: R8 rows are left, R10 is ldc in bytes. The rows of C are ldc
// apart (a 56x56 map: 12.5 KB), each on another page, and a tile stores
// 2 lines of each: the L2 streamer does not follow them, and the
// epilogue's loads and stores waited for each line from L3 or memory.
// (PREFETCHT0, as Go's assembler has no PREFETCHW; a line no other core
// holds comes exclusive anyway.) Prefetches do not fault, so rows below
// C's end cost nothing but the request.
#define PFROW(lbl) \
	TESTQ R8, R8; \
	JZ    lbl; \
	PREFETCHT0 (R9); \
	PREFETCHT0 64(R9); \
	ADDQ  R10, R9; \
	DECQ  R8; \
	TESTQ R12, R12; \
	JZ    lbl; \
	PREFETCHT0 (R12); \
	PREFETCHT0 64(R12); \
	ADDQ  R10, R12; \
lbl:

// PFSETUP sets R8, R9, R10, R12 for PFROW: rows rows of C from c on (the
// tile's and the next tile's, the rows below), and of add when the tile is
// the last slice's (flags bit 1) and add is set.
#define PFSETUP(rows, lbl) \
	MOVQ  c+32(FP), R9; \
	MOVQ  ldc+40(FP), R10; \
	SHLQ  $2, R10; \
	MOVQ  $rows, R8; \
	XORQ  R12, R12; \
	MOVQ  flags+64(FP), R11; \
	TESTQ $2, R11; \
	JZ    lbl; \
	MOVQ  add+56(FP), R12; \
lbl:

// PFBSETUP sets R14 and R15 for PFNEXTB: the distances from a step's B
// row (DX) to the next sliver's rows p and p+1. B read in place (row
// stride R13 bytes, not 128): the 32 columns to the right, 128 bytes on.
// A packed sliver (ldb 32: its rows are contiguous) is followed by the
// next packed sliver, kc*128 bytes on: the pixel-major path streams its
// weights from memory that way, one sliver after another, and the first
// tile over a sliver's KC slice waited on them (the L2 streamer runs only
// so far ahead).
#define PFBSETUP(lbl) \
	MOVQ $128, R14; \
	LEAQ 128(R13), R15; \
	CMPQ R13, $128; \
	JNE  lbl; \
	MOVQ CX, R14; \
	SHLQ $7, R14; \
	LEAQ 128(R14), R15; \
lbl:

// PFPSETUP points R15 at pf for PFPTR when flags (R11) has bit 4.
#define PFPSETUP(lbl) \
	TESTQ $16, R11; \
	JZ    lbl; \
	MOVQ  pf+80(FP), R15; \
lbl:

// PFPTR prefetches into L2 the next two lines from R15 on (flags bit 4).
#define PFPTR(lbl) \
	TESTQ $16, R11; \
	JZ    lbl; \
	PREFETCHT1 (R15); \
	PREFETCHT1 64(R15); \
	ADDQ  $128, R15; \
lbl:

// PFNEXTB prefetches into L2 the next sliver's two rows (two lines each)
// for the two steps of an iteration (see PFBSETUP).
#define PFNEXTB \
	PREFETCHT1 (DX)(R14*1); \
	PREFETCHT1 64(DX)(R14*1); \
	PREFETCHT1 (DX)(R15*1); \
	PREFETCHT1 64(DX)(R15*1)

TEXT ·tile8x32AVX512(SB), NOSPLIT, $0-88
	MOVQ mask+72(FP), AX
	KMOVW AX, K3
	SHRQ $16, AX
	KMOVW AX, K4
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R13
	SHLQ $2, R13
	MOVQ CX, DI
	SHLQ $4, DI
	ADDQ SI, DI // the second sliver: a + kc*4 floats
	PFSETUP(16, t8pfs)
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
	PFBSETUP(t8pfo)
	PFPSETUP(t8pfp)
	KORTESTW K4, K4
	JZ   t8half
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   tail

loop2:
	STEP(0, (DX), 64(DX))
	PFROW(t8pf)
	TESTQ $8, R11 // PFSETUP left flags in R11
	JZ    t8nopfb
	PFNEXTB
t8nopfb:
	PFPTR(t8pfq)
	STEP(16, (DX)(R13*1), 64(DX)(R13*1))
	ADDQ $32, SI
	ADDQ $32, DI
	LEAQ (DX)(R13*2), DX
	DECQ BX
	JNZ  loop2

tail:
	TESTQ $1, CX
	JZ    epilogue
	STEP(0, (DX), 64(DX))
	JMP   epilogue

	// The loop above on B's first vector only (STEPH), for a tile whose
	// columns all lie in it (K4 empty).
t8half:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   t8htail

t8hloop2:
	STEPH(0, (DX))
	PFROW(t8hpf)
	TESTQ $8, R11
	JZ    t8hnopfb
	PFNEXTB
t8hnopfb:
	PFPTR(t8hpfq)
	STEPH(16, (DX)(R13*1))
	ADDQ $32, SI
	ADDQ $32, DI
	LEAQ (DX)(R13*2), DX
	DECQ BX
	JNZ  t8hloop2

t8htail:
	TESTQ $1, CX
	JZ    epilogue
	STEPH(0, (DX))

epilogue:
	MOVQ c+32(FP), R9
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	MOVQ bias+48(FP), R11
	MOVQ add+56(FP), R12
	MOVQ flags+64(FP), R8

	TESTQ $1, R8
	JNZ   nofirst
	ROWOLD(Z0, Z1, Z16, Z17)
	ROWOLD(Z2, Z3, Z16, Z17)
	ROWOLD(Z4, Z5, Z16, Z17)
	ROWOLD(Z6, Z7, Z16, Z17)
	ROWOLD(Z8, Z9, Z16, Z17)
	ROWOLD(Z10, Z11, Z16, Z17)
	ROWOLD(Z12, Z13, Z16, Z17)
	ROWOLD(Z14, Z15, Z16, Z17)
	MOVQ c+32(FP), R9

nofirst:
	TESTQ $2, R8
	JZ    store

	TESTQ R11, R11
	JZ    nobias
	ROWBIAS(Z0, Z1, 0)
	ROWBIAS(Z2, Z3, 1)
	ROWBIAS(Z4, Z5, 2)
	ROWBIAS(Z6, Z7, 3)
	ROWBIAS(Z8, Z9, 4)
	ROWBIAS(Z10, Z11, 5)
	ROWBIAS(Z12, Z13, 6)
	ROWBIAS(Z14, Z15, 7)

nobias:
	TESTQ R12, R12
	JZ    noadd
	ROWADD(Z0, Z1, Z16, Z17)
	ROWADD(Z2, Z3, Z16, Z17)
	ROWADD(Z4, Z5, Z16, Z17)
	ROWADD(Z6, Z7, Z16, Z17)
	ROWADD(Z8, Z9, Z16, Z17)
	ROWADD(Z10, Z11, Z16, Z17)
	ROWADD(Z12, Z13, Z16, Z17)
	ROWADD(Z14, Z15, Z16, Z17)

noadd:
	TESTQ $4, R8
	JZ    store
	VPXORD Z31, Z31, Z31
	ROWRELU(Z0, Z1, Z31)
	ROWRELU(Z2, Z3, Z31)
	ROWRELU(Z4, Z5, Z31)
	ROWRELU(Z6, Z7, Z31)
	ROWRELU(Z8, Z9, Z31)
	ROWRELU(Z10, Z11, Z31)
	ROWRELU(Z12, Z13, Z31)
	ROWRELU(Z14, Z15, Z31)

store:
	ROWSTORE(Z0, Z1)
	ROWSTORE(Z2, Z3)
	ROWSTORE(Z4, Z5)
	ROWSTORE(Z6, Z7)
	ROWSTORE(Z8, Z9)
	ROWSTORE(Z10, Z11)
	ROWSTORE(Z12, Z13)
	ROWSTORE(Z14, Z15)
	VZEROUPPER
	RET

// func kernel4x32AVX512(kc int, a, b, acc *float32)
//
// AVX512's Fn in assembly: one 4x32 tile, 8 accumulators (Z0..Z7), A's four
// values of a step broadcast into registers (VBROADCASTSS from memory), two
// steps per iteration on two sets of broadcast registers. One fused
// multiply-add per element and step in order of p from zero: the bits of
// the FMA chain TestAMD64KernelsFMAChain holds every amd64 kernel to. It
// reads a[:4kc] and b[:32kc] only.
#define STEP4(aoff, boff, r0, r1, r2, r3) \
	VMOVUPS (boff)(DX), Z16; \
	VMOVUPS (boff+64)(DX), Z17; \
	VBROADCASTSS (aoff)(SI), r0; \
	VBROADCASTSS (aoff+4)(SI), r1; \
	VBROADCASTSS (aoff+8)(SI), r2; \
	VBROADCASTSS (aoff+12)(SI), r3; \
	VFMADD231PS r0, Z16, Z0; \
	VFMADD231PS r0, Z17, Z1; \
	VFMADD231PS r1, Z16, Z2; \
	VFMADD231PS r1, Z17, Z3; \
	VFMADD231PS r2, Z16, Z4; \
	VFMADD231PS r2, Z17, Z5; \
	VFMADD231PS r3, Z16, Z6; \
	VFMADD231PS r3, Z17, Z7

TEXT ·kernel4x32AVX512(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   k4tail

k4loop:
	STEP4(0, 0, Z18, Z19, Z20, Z21)
	STEP4(16, 128, Z22, Z23, Z24, Z25)
	ADDQ $32, SI
	ADDQ $256, DX
	DECQ BX
	JNZ  k4loop

k4tail:
	TESTQ $1, CX
	JZ    k4store
	STEP4(0, 0, Z18, Z19, Z20, Z21)

k4store:
	MOVQ acc+24(FP), R9
	VMOVUPS Z0, (R9)
	VMOVUPS Z1, 64(R9)
	VMOVUPS Z2, 128(R9)
	VMOVUPS Z3, 192(R9)
	VMOVUPS Z4, 256(R9)
	VMOVUPS Z5, 320(R9)
	VMOVUPS Z6, 384(R9)
	VMOVUPS Z7, 448(R9)
	VZEROUPPER
	RET

// func tile12x32AVX512(kc int, a, b *float32, ldb int, c *float32, ldc int, bias, add *float32, flags, mask int)
//
// tile8x32AVX512 over three consecutive packed A slivers (12 rows x 32
// columns): Z0..Z23 hold the 24 accumulators (row i in Z(2i), Z(2i+1)),
// Z24, Z25 B's two vectors of a step, and A's 12 values of a step are
// broadcast into Z26..Z31 in turn (the renamer gives each broadcast its own
// register). Each B vector then feeds 12 multiply-adds instead of 8: 14
// loads per 24 FMAs against 10 per 16. Every accumulator still takes one
// fused multiply-add per step in order of p from zero, so each sliver's
// rows get the bits of kernelAVX512x4x32. Same arguments as
// tile8x32AVX512 (bias: 12 values), same flags and mask.
#define STEP12(aoff, b0, b1) \
	VMOVUPS.Z b0, K3, Z24; \
	VMOVUPS.Z b1, K4, Z25; \
	VBROADCASTSS (aoff)(SI), Z26; \
	VBROADCASTSS (aoff+4)(SI), Z27; \
	VBROADCASTSS (aoff+8)(SI), Z28; \
	VFMADD231PS Z26, Z24, Z0; \
	VFMADD231PS Z26, Z25, Z1; \
	VBROADCASTSS (aoff+12)(SI), Z29; \
	VFMADD231PS Z27, Z24, Z2; \
	VFMADD231PS Z27, Z25, Z3; \
	VBROADCASTSS (aoff)(SI)(AX*1), Z30; \
	VFMADD231PS Z28, Z24, Z4; \
	VFMADD231PS Z28, Z25, Z5; \
	VBROADCASTSS (aoff+4)(SI)(AX*1), Z31; \
	VFMADD231PS Z29, Z24, Z6; \
	VFMADD231PS Z29, Z25, Z7; \
	VBROADCASTSS (aoff+8)(SI)(AX*1), Z26; \
	VFMADD231PS Z30, Z24, Z8; \
	VFMADD231PS Z30, Z25, Z9; \
	VBROADCASTSS (aoff+12)(SI)(AX*1), Z27; \
	VFMADD231PS Z31, Z24, Z10; \
	VFMADD231PS Z31, Z25, Z11; \
	VBROADCASTSS (aoff)(SI)(AX*2), Z28; \
	VFMADD231PS Z26, Z24, Z12; \
	VFMADD231PS Z26, Z25, Z13; \
	VBROADCASTSS (aoff+4)(SI)(AX*2), Z29; \
	VFMADD231PS Z27, Z24, Z14; \
	VFMADD231PS Z27, Z25, Z15; \
	VBROADCASTSS (aoff+8)(SI)(AX*2), Z30; \
	VFMADD231PS Z28, Z24, Z16; \
	VFMADD231PS Z28, Z25, Z17; \
	VBROADCASTSS (aoff+12)(SI)(AX*2), Z31; \
	VFMADD231PS Z29, Z24, Z18; \
	VFMADD231PS Z29, Z25, Z19; \
	VFMADD231PS Z30, Z24, Z20; \
	VFMADD231PS Z30, Z25, Z21; \
	VFMADD231PS Z31, Z24, Z22; \
	VFMADD231PS Z31, Z25, Z23

// STEP12H is STEP12 on the first of B's two vectors only: a tile whose
// columns all lie in it (mask bits 16-31 zero, K4 empty: the last sliver
// of a product with n 1-16 more than a multiple of 32, 14x14 maps' 196
// pixels) skips the second vector's 12 multiply-adds, whose lanes would
// never be stored. The first vector's accumulators take the same fused
// multiply-adds in the same order: the same bits.
#define STEP12H(aoff, b0) \
	VMOVUPS.Z b0, K3, Z24; \
	VBROADCASTSS (aoff)(SI), Z26; \
	VBROADCASTSS (aoff+4)(SI), Z27; \
	VBROADCASTSS (aoff+8)(SI), Z28; \
	VFMADD231PS Z26, Z24, Z0; \
	VBROADCASTSS (aoff+12)(SI), Z29; \
	VFMADD231PS Z27, Z24, Z2; \
	VBROADCASTSS (aoff)(SI)(AX*1), Z30; \
	VFMADD231PS Z28, Z24, Z4; \
	VBROADCASTSS (aoff+4)(SI)(AX*1), Z31; \
	VFMADD231PS Z29, Z24, Z6; \
	VBROADCASTSS (aoff+8)(SI)(AX*1), Z26; \
	VFMADD231PS Z30, Z24, Z8; \
	VBROADCASTSS (aoff+12)(SI)(AX*1), Z27; \
	VFMADD231PS Z31, Z24, Z10; \
	VBROADCASTSS (aoff)(SI)(AX*2), Z28; \
	VFMADD231PS Z26, Z24, Z12; \
	VBROADCASTSS (aoff+4)(SI)(AX*2), Z29; \
	VFMADD231PS Z27, Z24, Z14; \
	VBROADCASTSS (aoff+8)(SI)(AX*2), Z30; \
	VFMADD231PS Z28, Z24, Z16; \
	VBROADCASTSS (aoff+12)(SI)(AX*2), Z31; \
	VFMADD231PS Z29, Z24, Z18; \
	VFMADD231PS Z30, Z24, Z20; \
	VFMADD231PS Z31, Z24, Z22

TEXT ·tile12x32AVX512(SB), NOSPLIT, $0-88
	MOVQ mask+72(FP), AX
	KMOVW AX, K3
	SHRQ $16, AX
	KMOVW AX, K4
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R13
	SHLQ $2, R13
	MOVQ CX, AX
	SHLQ $4, AX // a sliver's bytes: the next two slivers at SI+AX, SI+2*AX
	PFSETUP(24, t12pfs)
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
	PFBSETUP(t12pfo)
	PFPSETUP(t12pfp)
	KORTESTW K4, K4
	JZ   t12half
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   t12tail

t12loop2:
	STEP12(0, (DX), 64(DX))
	PFROW(t12pf)
	TESTQ $8, R11
	JZ    t12nopfb
	PFNEXTB
t12nopfb:
	PFPTR(t12pfq)
	STEP12(16, (DX)(R13*1), 64(DX)(R13*1))
	ADDQ $32, SI
	LEAQ (DX)(R13*2), DX
	DECQ BX
	JNZ  t12loop2

t12tail:
	TESTQ $1, CX
	JZ    t12epilogue
	STEP12(0, (DX), 64(DX))
	JMP   t12epilogue

	// The loop above on B's first vector only (STEP12H).
t12half:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   t12htail

t12hloop2:
	STEP12H(0, (DX))
	PFROW(t12hpf)
	TESTQ $8, R11
	JZ    t12hnopfb
	PFNEXTB
t12hnopfb:
	PFPTR(t12hpfq)
	STEP12H(16, (DX)(R13*1))
	ADDQ $32, SI
	LEAQ (DX)(R13*2), DX
	DECQ BX
	JNZ  t12hloop2

t12htail:
	TESTQ $1, CX
	JZ    t12epilogue
	STEP12H(0, (DX))

t12epilogue:
	MOVQ c+32(FP), R9
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	MOVQ bias+48(FP), R11
	MOVQ add+56(FP), R12
	MOVQ flags+64(FP), R8

	TESTQ $1, R8
	JNZ   t12nofirst
	ROWOLD(Z0, Z1, Z24, Z25)
	ROWOLD(Z2, Z3, Z24, Z25)
	ROWOLD(Z4, Z5, Z24, Z25)
	ROWOLD(Z6, Z7, Z24, Z25)
	ROWOLD(Z8, Z9, Z24, Z25)
	ROWOLD(Z10, Z11, Z24, Z25)
	ROWOLD(Z12, Z13, Z24, Z25)
	ROWOLD(Z14, Z15, Z24, Z25)
	ROWOLD(Z16, Z17, Z24, Z25)
	ROWOLD(Z18, Z19, Z24, Z25)
	ROWOLD(Z20, Z21, Z24, Z25)
	ROWOLD(Z22, Z23, Z24, Z25)
	MOVQ c+32(FP), R9

t12nofirst:
	TESTQ $2, R8
	JZ    t12store

	TESTQ R11, R11
	JZ    t12nobias
	ROWBIAS(Z0, Z1, 0)
	ROWBIAS(Z2, Z3, 1)
	ROWBIAS(Z4, Z5, 2)
	ROWBIAS(Z6, Z7, 3)
	ROWBIAS(Z8, Z9, 4)
	ROWBIAS(Z10, Z11, 5)
	ROWBIAS(Z12, Z13, 6)
	ROWBIAS(Z14, Z15, 7)
	ROWBIAS(Z16, Z17, 8)
	ROWBIAS(Z18, Z19, 9)
	ROWBIAS(Z20, Z21, 10)
	ROWBIAS(Z22, Z23, 11)

t12nobias:
	TESTQ R12, R12
	JZ    t12noadd
	ROWADD(Z0, Z1, Z24, Z25)
	ROWADD(Z2, Z3, Z24, Z25)
	ROWADD(Z4, Z5, Z24, Z25)
	ROWADD(Z6, Z7, Z24, Z25)
	ROWADD(Z8, Z9, Z24, Z25)
	ROWADD(Z10, Z11, Z24, Z25)
	ROWADD(Z12, Z13, Z24, Z25)
	ROWADD(Z14, Z15, Z24, Z25)
	ROWADD(Z16, Z17, Z24, Z25)
	ROWADD(Z18, Z19, Z24, Z25)
	ROWADD(Z20, Z21, Z24, Z25)
	ROWADD(Z22, Z23, Z24, Z25)

t12noadd:
	TESTQ $4, R8
	JZ    t12store
	VPXORD Z26, Z26, Z26
	ROWRELU(Z0, Z1, Z26)
	ROWRELU(Z2, Z3, Z26)
	ROWRELU(Z4, Z5, Z26)
	ROWRELU(Z6, Z7, Z26)
	ROWRELU(Z8, Z9, Z26)
	ROWRELU(Z10, Z11, Z26)
	ROWRELU(Z12, Z13, Z26)
	ROWRELU(Z14, Z15, Z26)
	ROWRELU(Z16, Z17, Z26)
	ROWRELU(Z18, Z19, Z26)
	ROWRELU(Z20, Z21, Z26)
	ROWRELU(Z22, Z23, Z26)

t12store:
	ROWSTORE(Z0, Z1)
	ROWSTORE(Z2, Z3)
	ROWSTORE(Z4, Z5)
	ROWSTORE(Z6, Z7)
	ROWSTORE(Z8, Z9)
	ROWSTORE(Z10, Z11)
	ROWSTORE(Z12, Z13)
	ROWSTORE(Z14, Z15)
	ROWSTORE(Z16, Z17)
	ROWSTORE(Z18, Z19)
	ROWSTORE(Z20, Z21)
	ROWSTORE(Z22, Z23)
	VZEROUPPER
	RET

// func copyStrip32(dst, src *float32, ldb, kc, pf int)
//
// Copies kc rows of 32 floats, src at row stride ldb (floats), into dst
// contiguously (a packed B sliver); when pf is not 0 it also prefetches
// into L2 the 32 floats that follow each source row (the next sliver's).
TEXT ·copyStrip32(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ kc+24(FP), CX
	MOVQ pf+32(FP), R9

cs32loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	TESTQ   R9, R9
	JZ      cs32nopf
	PREFETCHT1 128(SI)
	PREFETCHT1 192(SI)

cs32nopf:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, DI
	ADDQ    R8, SI
	DECQ    CX
	JNZ     cs32loop
	VZEROUPPER
	RET
