//go:build amd64 && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// ROW multiply-adds row i of step p: A's value a[p*8+i] (at off(AX))
// broadcast into R, times the two B vectors Z0 and Z1, into row i's two
// accumulators.
#define ROW(off, R, ACC0, ACC1) \
	VBROADCASTSS off(AX), R; \
	VFMADD231PS  R, Z0, ACC0; \
	VFMADD231PS  R, Z1, ACC1

// func directKernel8x32(k int, a *float32, off *int, p0, p1 *float32, acc *[256]float32)
//
// acc[i*32 + j] = sum over p < k of a[p*8+i] * p0[off[p]+j] (j < 16) and
// acc[i*32 + 16 + j] = ... p1[off[p]+j], each summed in order of p from
// zero with VFMADD231PS. The sixteen accumulators live in Z16-Z31, so
// that nothing of the loop's state is moved or spilled (see direct.go).
// k >= 1.
TEXT ·directKernel8x32(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ off+16(FP), SI
	MOVQ p0+24(FP), DI
	MOVQ p1+32(FP), R9
	MOVQ acc+40(FP), DX
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
	ROW(0, Z2, Z16, Z17)
	ROW(4, Z3, Z18, Z19)
	ROW(8, Z4, Z20, Z21)
	ROW(12, Z5, Z22, Z23)
	ROW(16, Z6, Z24, Z25)
	ROW(20, Z7, Z26, Z27)
	ROW(24, Z8, Z28, Z29)
	ROW(28, Z9, Z30, Z31)
	ADDQ $32, AX
	ADDQ $8, SI
	DECQ CX
	JNZ  loop

	VMOVUPS Z16, 0(DX)
	VMOVUPS Z17, 64(DX)
	VMOVUPS Z18, 128(DX)
	VMOVUPS Z19, 192(DX)
	VMOVUPS Z20, 256(DX)
	VMOVUPS Z21, 320(DX)
	VMOVUPS Z22, 384(DX)
	VMOVUPS Z23, 448(DX)
	VMOVUPS Z24, 512(DX)
	VMOVUPS Z25, 576(DX)
	VMOVUPS Z26, 640(DX)
	VMOVUPS Z27, 704(DX)
	VMOVUPS Z28, 768(DX)
	VMOVUPS Z29, 832(DX)
	VMOVUPS Z30, 896(DX)
	VMOVUPS Z31, 960(DX)
	VZEROUPPER
	RET
