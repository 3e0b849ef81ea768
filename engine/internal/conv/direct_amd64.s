//go:build amd64 && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// ROW multiply-adds row i of step p: A's value a[p*8+i] (at off(AX))
// broadcast into R, times the three B vectors Z0, Z1 and Z2, into row i's
// three accumulators.
#define ROW(off, R, ACC0, ACC1, ACC2) \
	VBROADCASTSS off(AX), R; \
	VFMADD231PS  R, Z0, ACC0; \
	VFMADD231PS  R, Z1, ACC1; \
	VFMADD231PS  R, Z2, ACC2

// func directKernel8x48(k int, a *float32, off *int, p0, p1, p2 *float32, acc *[384]float32)
//
// acc[i*48 + 16*s + j] = sum over p < k of a[p*8+i] * ps[off[p]+j] for
// the three segments s (p0, p1, p2) and j < 16, each summed in order of
// p from zero with VFMADD231PS. The 24 accumulators live in Z8-Z31, the
// three B vectors in Z0-Z2, the broadcasts rotate through Z3-Z7, so that
// nothing of the loop's state is moved or spilled (see direct.go).
// k >= 1.
TEXT ·directKernel8x48(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ off+16(FP), SI
	MOVQ p0+24(FP), DI
	MOVQ p1+32(FP), R9
	MOVQ p2+40(FP), R10
	MOVQ acc+48(FP), DX
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
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

loop:
	MOVQ (SI), R8
	VMOVUPS (DI)(R8*4), Z0
	VMOVUPS (R9)(R8*4), Z1
	VMOVUPS (R10)(R8*4), Z2
	ROW(0, Z3, Z8, Z9, Z10)
	ROW(4, Z4, Z11, Z12, Z13)
	ROW(8, Z5, Z14, Z15, Z16)
	ROW(12, Z6, Z17, Z18, Z19)
	ROW(16, Z7, Z20, Z21, Z22)
	ROW(20, Z3, Z23, Z24, Z25)
	ROW(24, Z4, Z26, Z27, Z28)
	ROW(28, Z5, Z29, Z30, Z31)
	ADDQ $32, AX
	ADDQ $8, SI
	DECQ CX
	JNZ  loop

	VMOVUPS Z8, 0(DX)
	VMOVUPS Z9, 64(DX)
	VMOVUPS Z10, 128(DX)
	VMOVUPS Z11, 192(DX)
	VMOVUPS Z12, 256(DX)
	VMOVUPS Z13, 320(DX)
	VMOVUPS Z14, 384(DX)
	VMOVUPS Z15, 448(DX)
	VMOVUPS Z16, 512(DX)
	VMOVUPS Z17, 576(DX)
	VMOVUPS Z18, 640(DX)
	VMOVUPS Z19, 704(DX)
	VMOVUPS Z20, 768(DX)
	VMOVUPS Z21, 832(DX)
	VMOVUPS Z22, 896(DX)
	VMOVUPS Z23, 960(DX)
	VMOVUPS Z24, 1024(DX)
	VMOVUPS Z25, 1088(DX)
	VMOVUPS Z26, 1152(DX)
	VMOVUPS Z27, 1216(DX)
	VMOVUPS Z28, 1280(DX)
	VMOVUPS Z29, 1344(DX)
	VMOVUPS Z30, 1408(DX)
	VMOVUPS Z31, 1472(DX)
	VZEROUPPER
	RET

// ROW4 multiply-adds row i of step p: a[p*6+i] (at off(AX)) broadcast
// into R, times the four B vectors Z0-Z3, into row i's four accumulators.
#define ROW4(off, R, ACC0, ACC1, ACC2, ACC3) \
	VBROADCASTSS off(AX), R; \
	VFMADD231PS  R, Z0, ACC0; \
	VFMADD231PS  R, Z1, ACC1; \
	VFMADD231PS  R, Z2, ACC2; \
	VFMADD231PS  R, Z3, ACC3

// func directKernel6x64(k int, a *float32, off *int, p0, p1, p2, p3 *float32, acc *[384]float32)
//
// directKernel8x48 for 6 rows (a[p*6+i]) and four segments:
// acc[i*64 + 16*s + j] = sum over p < k of a[p*6+i] * ps[off[p]+j]. The
// 24 accumulators live in Z8-Z31, the four B vectors in Z0-Z3, the
// broadcasts rotate through Z4-Z7. k >= 1.
TEXT ·directKernel6x64(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ off+16(FP), SI
	MOVQ p0+24(FP), DI
	MOVQ p1+32(FP), R9
	MOVQ p2+40(FP), R10
	MOVQ p3+48(FP), R11
	MOVQ acc+56(FP), DX
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
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

loop6:
	MOVQ (SI), R8
	VMOVUPS (DI)(R8*4), Z0
	VMOVUPS (R9)(R8*4), Z1
	VMOVUPS (R10)(R8*4), Z2
	VMOVUPS (R11)(R8*4), Z3
	ROW4(0, Z4, Z8, Z9, Z10, Z11)
	ROW4(4, Z5, Z12, Z13, Z14, Z15)
	ROW4(8, Z6, Z16, Z17, Z18, Z19)
	ROW4(12, Z7, Z20, Z21, Z22, Z23)
	ROW4(16, Z4, Z24, Z25, Z26, Z27)
	ROW4(20, Z5, Z28, Z29, Z30, Z31)
	ADDQ $24, AX
	ADDQ $8, SI
	DECQ CX
	JNZ  loop6

	VMOVUPS Z8, 0(DX)
	VMOVUPS Z9, 64(DX)
	VMOVUPS Z10, 128(DX)
	VMOVUPS Z11, 192(DX)
	VMOVUPS Z12, 256(DX)
	VMOVUPS Z13, 320(DX)
	VMOVUPS Z14, 384(DX)
	VMOVUPS Z15, 448(DX)
	VMOVUPS Z16, 512(DX)
	VMOVUPS Z17, 576(DX)
	VMOVUPS Z18, 640(DX)
	VMOVUPS Z19, 704(DX)
	VMOVUPS Z20, 768(DX)
	VMOVUPS Z21, 832(DX)
	VMOVUPS Z22, 896(DX)
	VMOVUPS Z23, 960(DX)
	VMOVUPS Z24, 1024(DX)
	VMOVUPS Z25, 1088(DX)
	VMOVUPS Z26, 1152(DX)
	VMOVUPS Z27, 1216(DX)
	VMOVUPS Z28, 1280(DX)
	VMOVUPS Z29, 1344(DX)
	VMOVUPS Z30, 1408(DX)
	VMOVUPS Z31, 1472(DX)
	VZEROUPPER
	RET
