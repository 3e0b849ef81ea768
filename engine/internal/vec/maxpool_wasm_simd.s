//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// The 3x3 max pools of the CIFAR-10 networks in WebAssembly, every plane
// of a worker in one call (maxpool_wasm_simd.go): for each output row the
// maximum of its window's three input rows goes into vp (between -Inf in
// the padding, one v128 per 4 columns, the last one overlapping the one
// before when the row is not a multiple of 4), and each output takes the
// maximum of its three columns from vp by unaligned loads. Stride 2 keeps
// the even positions with two swizzles and an or. The engine's long-map
// path (a few long Max3 calls, then scalar fixes of every plane's border
// rows and every row's border columns) spent most of its time in the
// fixes on 8- and 16-wide maps. Go's assembler drops a hand-written
// V128Store's offset, so stores add theirs to the address.

// VMAX3(off) stores at vp+4+off the maximum of the window's three rows
// (R9, R10, R11) at byte offset off.
#define VMAX3(off) \
	Get R2; Get off; I64Add; I32WrapI64; I32Const $4; I32Add; \
	Get R9; Get off; I64Add; I32WrapI64; V128Load $0; \
	Get R10; Get off; I64Add; I32WrapI64; V128Load $0; \
	F32x4Max; \
	Get R11; Get off; I64Add; I32WrapI64; V128Load $0; \
	F32x4Max; \
	V128Store

// VMAX3ROW fills vp[1:] with the window's column maxima: R6 whole vectors
// (R13 their byte offset, R14 counting down), then the tail vector at
// byte offset R8 when R8 >= 0. The 3x3 pools of both strides share it.
#define VMAX3ROW \
	I64Const $0; Set R13; Get R6; Set R14; \
	Block; Loop; \
	Get R14; I64Eqz; BrIf $1; \
	VMAX3(R13); \
	Get R13; I64Const $16; I64Add; Set R13; \
	Get R14; I64Const $1; I64Sub; Set R14; \
	Br $0; \
	End; End; \
	Get R8; I64Const $0; I64GeS; \
	If; VMAX3(R8); End

// VP2(off, at) loads the vector of vp at byte 2*off + at: the window
// maxima of the input columns under output byte offset off (stride 2).
// FIRSTROW3: a plane's first window at R1: R9 and R10 its first row, R11
// the next (R5 bytes on), R12 the R4 rows (or output rows) to go.
#define FIRSTROW3 \
	Get R1; Set R9; Get R1; Set R10; \
	Get R1; Get R5; I64Add; Set R11; \
	Get R4; Set R12

// LASTROW3: the last row's window (R12 1): the row above and this row twice.
#define LASTROW3 Get R12; I64Const $1; I64Eq; If; Get R10; Set R11; End

// NEXTROW3: the stride-1 pools' next row's window (at, below, below+1):
// R9-R11 slide down a row of R5 bytes, R0 to the next output row, R12
// one row less.
#define NEXTROW3 \
	Get R10; Set R9; \
	Get R11; Set R10; \
	Get R11; Get R5; I64Add; Set R11; \
	Get R0; Get R5; I64Add; Set R0; \
	Get R12; I64Const $1; I64Sub; Set R12

// NEXTPLANE: the stride-1 pools' next plane: R1 on by R15 bytes, R3 one
// plane less.
#define NEXTPLANE \
	Get R1; Get R15; I64Add; Set R1; \
	Get R3; I64Const $1; I64Sub; Set R3

#define VP2(off, at) Get R2; Get off; I64Const $1; I64Shl; I64Add; I32WrapI64; V128Load at

// EVEN3(off) and EVEN2(off) store at dst+off the 4 outputs of a 3- or
// 2-wide window from two vectors of every position's maximum, their even
// lanes moved together by the swizzles V0 and V1 and joined by an or.
#define EVEN3(off) \
	Get R0; Get off; I64Add; I32WrapI64; \
	VP2(off, $0); VP2(off, $4); F32x4Max; VP2(off, $8); F32x4Max; Get V0; I8x16Swizzle; \
	VP2(off, $16); VP2(off, $20); F32x4Max; VP2(off, $24); F32x4Max; Get V1; I8x16Swizzle; \
	V128Or; V128Store
#define EVEN2(off) \
	Get R0; Get off; I64Add; I32WrapI64; \
	VP2(off, $0); VP2(off, $4); F32x4Max; Get V0; I8x16Swizzle; \
	VP2(off, $16); VP2(off, $20); F32x4Max; Get V1; I8x16Swizzle; \
	V128Or; V128Store

// EVENROW(EVEN) writes an output row with EVEN (EVEN3 or EVEN2): R15
// whole vectors (R13 their byte offset, R14 counting down), then the tail
// vector at byte offset R7 when R7 >= 0. Both stride-2 pools share it.
#define EVENROW(EVEN) \
	I64Const $0; Set R13; Get R15; Set R14; \
	Block; Loop; \
	Get R14; I64Eqz; BrIf $1; \
	EVEN(R13); \
	Get R13; I64Const $16; I64Add; Set R13; \
	Get R14; I64Const $1; I64Sub; Set R14; \
	Br $0; \
	End; End; \
	Get R7; I64Const $0; I64GeS; \
	If; EVEN(R7); End

// func maxPool3x3S1Asm(dst, src, vp *float32, planes, h, wb, n4, tb, planeb int)
//
// R0 dst row, R1 src plane, R2 vp, R3 planes left, R4 h, R5 row bytes,
// R6 whole vectors a row, R8 the tail vector's byte offset (-1: none),
// R15 plane bytes; R9-R11 the window's rows above, at and below (the
// border rows are taken twice), R12 rows left, R13 byte offset in the
// row, R14 vectors left.
TEXT ·maxPool3x3S1Asm(SB), NOSPLIT, $0-72
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD vp+16(FP), R2
	MOVD planes+24(FP), R3
	MOVD h+32(FP), R4
	MOVD wb+40(FP), R5
	MOVD n4+48(FP), R6
	MOVD tb+56(FP), R8
	MOVD planeb+64(FP), R15

	Block
	Loop
	Get R3
	I64Eqz
	BrIf $1
	FIRSTROW3

	Block
	Loop
	Get R12
	I64Eqz
	BrIf $1
	LASTROW3

	// vp[1+c] = max(above[c], at[c], below[c])
	VMAX3ROW

	// dst[c] = max(vp[c], vp[c+1], vp[c+2])
	I64Const $0
	Set R13
	Get R6
	Set R14
	Block
	Loop
	Get R14
	I64Eqz
	BrIf $1
	Get R0
	Get R13
	I64Add
	I32WrapI64
	Get R2
	Get R13
	I64Add
	I32WrapI64
	V128Load $0
	Get R2
	Get R13
	I64Add
	I32WrapI64
	V128Load $4
	F32x4Max
	Get R2
	Get R13
	I64Add
	I32WrapI64
	V128Load $8
	F32x4Max
	V128Store
	Get R13
	I64Const $16
	I64Add
	Set R13
	Get R14
	I64Const $1
	I64Sub
	Set R14
	Br $0
	End
	End
	Get R8
	I64Const $0
	I64GeS
	If
	Get R0
	Get R8
	I64Add
	I32WrapI64
	Get R2
	Get R8
	I64Add
	I32WrapI64
	V128Load $0
	Get R2
	Get R8
	I64Add
	I32WrapI64
	V128Load $4
	F32x4Max
	Get R2
	Get R8
	I64Add
	I32WrapI64
	V128Load $8
	F32x4Max
	V128Store
	End

	NEXTROW3
	Br $0
	End
	End

	NEXTPLANE
	Br $0
	End
	End
	RET

// VMAXV(off, v): v = the maximum of the window's three rows (R9, R10,
// R11) at byte offset off, in VMAX3's order.
#define VMAXV(off, v) \
	Get R9; Get off; I64Add; I32WrapI64; V128Load $0; \
	Get R10; Get off; I64Add; I32WrapI64; V128Load $0; \
	F32x4Max; \
	Get R11; Get off; I64Add; I32WrapI64; V128Load $0; \
	F32x4Max; \
	Set v

// func maxPool3x3S1W4Asm(dst, src *float32, planes, h, wb, n4, planeb int, tbl *[64]uint8)
//
// maxPool3x3S1Asm for rows of one or two vectors (w 4 or 8), without
// vp: the window's column maxima stay in registers, V5-V7 those under the
// previous, this and the next output vector (-Inf, V4, past the row's
// ends), and each output is max(max(L, this), R) with L = the previous'
// lane 3 and this one's lanes 0-2, R = this one's lanes 1-3 and the next's
// lane 0, each two swizzles (tables V0-V3, zeros elsewhere) and an or. In
// maxPool3x3S1Asm the loads from vp straddle two vectors just stored
// there, which store forwarding does not serve: on 8-wide rows 14 ns a
// vector of output, 8 here (Node, relaxed build). R0 dst row, R1 src
// plane, R3 planes left, R4 h, R5 row bytes, R6 vectors a row, R15 plane
// bytes, R9-R11 the window's rows, R12 rows left, R13 byte offset of this
// vector, R8 the next's, R14 vectors left.
TEXT ·maxPool3x3S1W4Asm(SB), NOSPLIT, $0-64
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD planes+16(FP), R3
	MOVD h+24(FP), R4
	MOVD wb+32(FP), R5
	MOVD n4+40(FP), R6
	MOVD planeb+48(FP), R15
	MOVD tbl+56(FP), R7
	Get R7
	I32WrapI64
	V128Load $0
	Set V0
	Get R7
	I32WrapI64
	V128Load $16
	Set V1
	Get R7
	I32WrapI64
	V128Load $32
	Set V2
	Get R7
	I32WrapI64
	V128Load $48
	Set V3
	I32Const $-8388608 // -Inf (0xff800000)
	I32x4Splat
	Set V4

	Block
	Loop
	Get R3
	I64Eqz
	BrIf $1
	FIRSTROW3

	Block
	Loop
	Get R12
	I64Eqz
	BrIf $1
	LASTROW3

	I64Const $0
	Set R13
	VMAXV(R13, V6)
	Get V4
	Set V5
	Get R6
	Set R14
	Block
	Loop
	Get R14
	I64Eqz
	BrIf $1
	Get R14
	I64Const $1
	I64Eq
	If
	Get V4
	Set V7
	Else
	Get R13
	I64Const $16
	I64Add
	Set R8
	VMAXV(R8, V7)
	End
	Get R0
	Get R13
	I64Add
	I32WrapI64
	Get V5
	Get V0
	I8x16Swizzle
	Get V6
	Get V1
	I8x16Swizzle
	V128Or
	Get V6
	F32x4Max
	Get V6
	Get V2
	I8x16Swizzle
	Get V7
	Get V3
	I8x16Swizzle
	V128Or
	F32x4Max
	V128Store
	Get V6
	Set V5
	Get V7
	Set V6
	Get R13
	I64Const $16
	I64Add
	Set R13
	Get R14
	I64Const $1
	I64Sub
	Set R14
	Br $0
	End
	End

	NEXTROW3
	Br $0
	End
	End

	NEXTPLANE
	Br $0
	End
	End
	RET

// func maxPool3x3S2Asm(dst, src, vp *float32, planes, oh, wb, n4v, tbv, n4o, tbo int, tbl *[32]uint8)
//
// Pad 1, even h and w, oh = h/2, ow = w/2: output row oy's window rows are
// 2oy-1 .. 2oy+1 (row 0 twice for oy = 0), all inside the plane. R0 dst
// row, R1 src plane, R2 vp, R3 planes left, R4 oh, R5 input row bytes,
// R6 whole vectors an input row, R8 its tail vector's byte offset (-1:
// none), R15 whole vectors of outputs a row, R7 their tail's byte offset
// (-1: none); R9-R11 the window's rows, R12 rows left, R13 byte offset,
// R14 vectors left; V0 and V1 the swizzles taking lanes 0 and 2 of a
// vector to lanes 0-1 and 2-3 (zero elsewhere).
TEXT ·maxPool3x3S2Asm(SB), NOSPLIT, $0-88
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD vp+16(FP), R2
	MOVD planes+24(FP), R3
	MOVD oh+32(FP), R4
	MOVD wb+40(FP), R5
	MOVD n4v+48(FP), R6
	MOVD tbv+56(FP), R8
	MOVD n4o+64(FP), R15
	MOVD tbo+72(FP), R7
	MOVD tbl+80(FP), R13
	Get R13
	I32WrapI64
	V128Load $0
	Set V0
	Get R13
	I32WrapI64
	V128Load $16
	Set V1

	Block
	Loop
	Get R3
	I64Eqz
	BrIf $1
	FIRSTROW3

	Block
	Loop
	Get R12
	I64Eqz
	BrIf $1

	// vp[1+c] = max(row0[c], row1[c], row2[c])
	VMAX3ROW

	// dst[o] = max(vp[2o], vp[2o+1], vp[2o+2]), 4 outputs from two
	// vectors of every position's maximum.
	EVENROW(EVEN3)

	// The next output row's window: rows 2oy+1 .. 2oy+3.
	Get R11
	Set R9
	Get R11
	Get R5
	I64Add
	Set R10
	Get R10
	Get R5
	I64Add
	Set R11
	// dst advances by one output row: half an input row.
	Get R0
	Get R5
	I64Const $1
	I64ShrU
	I64Add
	Set R0
	Get R12
	I64Const $1
	I64Sub
	Set R12
	Br $0
	End
	End

	// R10 is row h of this plane: the next plane's row 0.
	Get R10
	Set R1
	Get R3
	I64Const $1
	I64Sub
	Set R3
	Br $0
	End
	End
	RET

// func maxPool2x2S2Asm(dst, src, vp *float32, planes, oh, wb, n4v, tbv, n4o, tbo int, tbl *[32]uint8)
//
// maxPool3x3S2Asm for a 2x2 window and no padding (h = 2oh, w = 2ow):
// output row oy's window rows are 2oy and 2oy+1, vp[c] their maximum at
// column c (no padding column), and output o the maximum of vp[2o] and
// vp[2o+1]. R10 and R11 the window's rows; the rest as there.
TEXT ·maxPool2x2S2Asm(SB), NOSPLIT, $0-88
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD vp+16(FP), R2
	MOVD planes+24(FP), R3
	MOVD oh+32(FP), R4
	MOVD wb+40(FP), R5
	MOVD n4v+48(FP), R6
	MOVD tbv+56(FP), R8
	MOVD n4o+64(FP), R15
	MOVD tbo+72(FP), R7
	MOVD tbl+80(FP), R13
	Get R13
	I32WrapI64
	V128Load $0
	Set V0
	Get R13
	I32WrapI64
	V128Load $16
	Set V1

	Block
	Loop
	Get R3
	I64Eqz
	BrIf $1
	Get R1
	Set R10
	Get R1
	Get R5
	I64Add
	Set R11
	Get R4
	Set R12

	Block
	Loop
	Get R12
	I64Eqz
	BrIf $1

	// vp[c] = max(row0[c], row1[c])
	I64Const $0
	Set R13
	Get R6
	Set R14
	Block
	Loop
	Get R14
	I64Eqz
	BrIf $1
	Get R2
	Get R13
	I64Add
	I32WrapI64
	Get R10
	Get R13
	I64Add
	I32WrapI64
	V128Load $0
	Get R11
	Get R13
	I64Add
	I32WrapI64
	V128Load $0
	F32x4Max
	V128Store
	Get R13
	I64Const $16
	I64Add
	Set R13
	Get R14
	I64Const $1
	I64Sub
	Set R14
	Br $0
	End
	End
	Get R8
	I64Const $0
	I64GeS
	If
	Get R2
	Get R8
	I64Add
	I32WrapI64
	Get R10
	Get R8
	I64Add
	I32WrapI64
	V128Load $0
	Get R11
	Get R8
	I64Add
	I32WrapI64
	V128Load $0
	F32x4Max
	V128Store
	End

	// dst[o] = max(vp[2o], vp[2o+1]), 4 outputs from two vectors of
	// every position's maximum.
	EVENROW(EVEN2)

	// The next output row's window: rows 2oy+2 and 2oy+3.
	Get R11
	Get R5
	I64Add
	Set R10
	Get R10
	Get R5
	I64Add
	Set R11
	// dst advances by one output row: half an input row.
	Get R0
	Get R5
	I64Const $1
	I64ShrU
	I64Add
	Set R0
	Get R12
	I64Const $1
	I64Sub
	Set R12
	Br $0
	End
	End

	// R10 is row h = 2oh of this plane: the next plane's row 0.
	Get R10
	Set R1
	Get R3
	I64Const $1
	I64Sub
	Set R3
	Br $0
	End
	End
	RET
