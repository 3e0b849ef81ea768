//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// BYTES(r): r, a count of float32s, becomes their bytes (r <<= 2).
#define BYTES(r) Get r; I64Const $2; I64Shl; Set r

// LOAD4(r, a, b, c, d): the four vectors at r (16 bytes apart).
#define LOAD4(r, a, b, c, d) \
	Get r; I32WrapI64; V128Load $0; Set a; \
	Get r; I32WrapI64; V128Load $16; Set b; \
	Get r; I32WrapI64; V128Load $32; Set c; \
	Get r; I32WrapI64; V128Load $48; Set d

// STROW(ya, yb, t0, t1, t2, t3): a row of two vectors ya, yb at R0,
// interleaved by the swizzle tables t0-t3: ya0 yb0 ya1 yb1, then ya2 yb2
// ya3 yb3 (V128Store takes no offset here: Go's assembler drops it, so
// the second vector's address is added).
#define STROW(ya, yb, t0, t1, t2, t3) \
	Get R0; I32WrapI64; \
	Get ya; Get t0; I8x16Swizzle; Get yb; Get t1; I8x16Swizzle; V128Or; \
	V128Store; \
	Get R0; I32WrapI64; I32Const $16; I32Add; \
	Get ya; Get t2; I8x16Swizzle; Get yb; Get t3; I8x16Swizzle; V128Or; \
	V128Store

// NEXTROW(rb): R0 to the next row, rb bytes on.
#define NEXTROW(rb) \
	Get R0; Get rb; I64Add; Set R0

// WCOL(s0, s1): column j of the products (m_j at R2, m_j+4, m_j+8,
// m_j+12 four planes, R7 bytes, apart: V8-V11) into s0j = (m_j + m_j+4)
// + m_j+8 and s1j = (m_j+4 - m_j+8) - m_j+12.
#define WCOL(s0, s1) \
	Get R2; I32WrapI64; V128Load $0; Set V8; \
	Get R2; Get R7; I64Add; Set R4; \
	Get R4; I32WrapI64; V128Load $0; Set V9; \
	Get R4; Get R7; I64Add; Set R5; \
	Get R5; I32WrapI64; V128Load $0; Set V10; \
	Get R5; Get R7; I64Add; Set R6; \
	Get R6; I32WrapI64; V128Load $0; Set V11; \
	Get V8; Get V9; F32x4Add; Get V10; F32x4Add; Set s0; \
	Get V9; Get V10; F32x4Sub; Get V11; F32x4Sub; Set s1

// NEXTCOL: R2 to the products' next column, a plane (R1 bytes) on.
#define NEXTCOL \
	Get R2; Get R1; I64Add; Set R2

// YOUT(a, b, c, op, y): y = ((a op b) op c) + the bias (V12).
#define YOUT(a, b, c, op, y) \
	Get a; Get b; op; Get c; op; Get V12; F32x4Add; Set y

// RELU(v): v = v < 0 ? 0 : v lane by lane (V13 zero), winoOut4's ReLU.
#define RELU(v) \
	Get V13; Get v; Get v; Get V13; F32x4Lt; V128Bitselect; Set v

// WSETUP: winoOutStore4Asm's and winoOutStore4NAsm's common arguments:
// R1 a plane's bytes, R7 four planes', V12 the bias, V13 zero.
#define WSETUP \
	MOVD plane+8(FP), R1; BYTES(R1); \
	Get R1; I64Const $2; I64Shl; Set R7; \
	MOVD bias+16(FP), R3; Get R3; I32WrapI64; I32x4Splat; Set V12; \
	I32Const $0; I32x4Splat; Set V13

// WOUT4: winoOut4 on one quad's products from R2: columns 0-3 give
// s0j = (mj + mj+4) + mj+8 and s1j = (mj+4 - mj+8) - mj+12 (V0-V3,
// V4-V7); then y00 = ((s00 + s01) + s02) + b, y01 = ((s01 - s02) - s03)
// + b, y10 and y11 likewise from s1j (V8-V11).
#define WOUT4 \
	WCOL(V0, V4); NEXTCOL; WCOL(V1, V5); NEXTCOL; \
	WCOL(V2, V6); NEXTCOL; WCOL(V3, V7); \
	YOUT(V0, V1, V2, F32x4Add, V8); YOUT(V1, V2, V3, F32x4Sub, V9); \
	YOUT(V4, V5, V6, F32x4Add, V10); YOUT(V5, V6, V7, F32x4Sub, V11)

// RELU4: RELU on the quad's four outputs V8-V11.
#define RELU4 RELU(V8); RELU(V9); RELU(V10); RELU(V11)

// func storeOut4Asm(dst *float32, w int, ys *[4][4]float32, tbl *[4][16]uint8)
//
// See storeOut4 (winooutput_wasm.go). R0 the row stored, R1 a row's bytes,
// R2 ys, R3 the swizzle tables; V0-V3 ys, V4-V7 the tables. A row of two
// vectors a, b (y00 and y01, then y10 and y11): a0 b0 a1 b1 at dst, then
// a2 b2 a3 b3 (STROW).
TEXT ·storeOut4Asm(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD w+8(FP), R1
	BYTES(R1)
	MOVD ys+16(FP), R2
	MOVD tbl+24(FP), R3
	LOAD4(R2, V0, V1, V2, V3)
	LOAD4(R3, V4, V5, V6, V7)
	STROW(V0, V1, V4, V5, V6, V7) // row 0: y00, y01
	NEXTROW(R1)
	STROW(V2, V3, V4, V5, V6, V7) // row 1: y10, y11
	RET

// func winoOutStore4Asm(p *float32, plane, bias, relu int, dst *float32, w int, tbl *[4][16]uint8)
//
// See winoOutStore4 (winooutput_wasm.go): winoOut4's operations, in its
// order, on the 16 product vectors p, p+plane, ... (four tiles a vector),
// then storeOut4Asm's stores. R2 column j of the products (R4-R6 its rows
// 1-3), R1 a plane's bytes, R7 four planes', R0 the row stored, R8 a row's
// bytes; V0-V3 s00-s03 (then the swizzle tables), V4-V7 s10-s13, V8-V11
// a column (then y00, y01, y10, y11), V12 the bias, V13 zero.
TEXT ·winoOutStore4Asm(SB), NOSPLIT, $0-56
	MOVD p+0(FP), R2
	WSETUP
	MOVD dst+32(FP), R0
	MOVD w+40(FP), R8
	BYTES(R8)


	WOUT4
	MOVD relu+24(FP), R3
	Get R3
	I64Eqz
	I32Eqz
	If
	RELU4
	End
	MOVD tbl+48(FP), R3
	LOAD4(R3, V0, V1, V2, V3)
	STROW(V8, V9, V0, V1, V2, V3) // row 0: y00, y01 (storeOut4Asm's stores)
	NEXTROW(R8)
	STROW(V10, V11, V0, V1, V2, V3) // row 1: y10, y11
	RET

// func winoOutStore4NAsm(p *float32, plane, bias, relu int, out *float32, w int, tbl *[4][16]uint8, ofs *[2]int, n int)
//
// winoOutStore4Asm on n quads, quad i's products at p + ofs[i][0] and its
// outputs at out + ofs[i][1] (bytes), in one call (see winoOutStores4).
// R9 ofs[i], R10 quads left, R11 p, R12 out, R13 relu, R14 the tables;
// the rest as in winoOutStore4Asm.
TEXT ·winoOutStore4NAsm(SB), NOSPLIT, $0-72
	MOVD p+0(FP), R11
	WSETUP
	MOVD relu+24(FP), R13
	MOVD out+32(FP), R12
	MOVD w+40(FP), R8
	BYTES(R8)
	MOVD tbl+48(FP), R14
	MOVD ofs+56(FP), R9
	MOVD n+64(FP), R10

	Block
	Loop
	Get R10
	I64Eqz
	BrIf $1
	Get R11
	Get R9
	I32WrapI64
	I64Load $0
	I64Add
	Set R2
	Get R12
	Get R9
	I32WrapI64
	I64Load $8
	I64Add
	Set R0

	WOUT4
	Get R13
	I64Eqz
	I32Eqz
	If
	RELU4
	End
	LOAD4(R14, V0, V1, V2, V3)
	STROW(V8, V9, V0, V1, V2, V3)
	NEXTROW(R8)
	STROW(V10, V11, V0, V1, V2, V3)

	Get R9
	I64Const $16
	I64Add
	Set R9
	Get R10
	I64Const $1
	I64Sub
	Set R10
	Br $0
	End
	End
	RET
