//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"

// scanBlockAsm is scanSIMD128's loop over one block of finite values, in
// WebAssembly: Go's loop paid for slice checks, i64 address arithmetic
// and a jump through the function's block table on every four values
// (half the speed of this in Node). The same operations in the same
// order, so the same lanes: bz += (v == 0) as -1, odd |= v - v,
// bmn = v < bmn ? v : bmn, bmx = v > bmx ? v : bmx, s += v. Two vectors
// an iteration (n8 pairs), each chain in order. The range is
// F32x4Pmin(bmn, v) and F32x4Pmax(bmx, v), which the wasm spec defines as
// exactly those strict selections (v < bmn ? v : bmn): one minps or maxps
// in V8, where F32x4Lt and V128Bitselect were two dependent steps on each
// chain, and the loop took twice as long (Node, 0.60-0.78 ns a value
// against 0.29-0.52).
//
// st (scanRegs): zeros, mn, mx at 0, 16, 32 are read; bz, bmn, bmx, s,
// odd are written at 48, 64, 80, 96, 112. Go's assembler drops a
// hand-written V128Store's offset, so each store adds its own.
//
// Registers: R0 m, R7 pairs left, R1 st; V0 zero, V1 bz, V2 bmn, V3 bmx,
// V4 s, V5 odd, V6 v.

// func scanBlockAsm(m *float32, n8 int, st *scanRegs)
TEXT ·scanBlockAsm(SB), NOSPLIT, $0-24
	MOVD m+0(FP), R0
	MOVD n8+8(FP), R7
	MOVD st+16(FP), R1

	I32Const $0
	I32x4Splat
	Set V0
	Get R1
	I32WrapI64
	V128Load $0
	Set V1
	Get R1
	I32WrapI64
	V128Load $16
	Set V2
	Get R1
	I32WrapI64
	V128Load $32
	Set V3
	Get V0
	Set V4
	Get V0
	Set V5

	Block
	Loop
	Get R7
	I64Eqz
	BrIf $1

	Get R0
	I32WrapI64
	V128Load $0
	Set V6
	Get V1
	Get V6
	Get V0
	F32x4Eq
	I32x4Add
	Set V1
	Get V5
	Get V6
	Get V6
	F32x4Sub
	V128Or
	Set V5
	Get V2
	Get V6
	F32x4Pmin
	Set V2
	Get V3
	Get V6
	F32x4Pmax
	Set V3
	Get V4
	Get V6
	F32x4Add
	Set V4

	Get R0
	I32WrapI64
	V128Load $16
	Set V6
	Get V1
	Get V6
	Get V0
	F32x4Eq
	I32x4Add
	Set V1
	Get V5
	Get V6
	Get V6
	F32x4Sub
	V128Or
	Set V5
	Get V2
	Get V6
	F32x4Pmin
	Set V2
	Get V3
	Get V6
	F32x4Pmax
	Set V3
	Get V4
	Get V6
	F32x4Add
	Set V4

	Get R0
	I64Const $32
	I64Add
	Set R0
	Get R7
	I64Const $1
	I64Sub
	Set R7
	Br $0
	End
	End

	Get R1
	I32WrapI64
	I32Const $48
	I32Add
	Get V1
	V128Store
	Get R1
	I32WrapI64
	I32Const $64
	I32Add
	Get V2
	V128Store
	Get R1
	I32WrapI64
	I32Const $80
	I32Add
	Get V3
	V128Store
	Get R1
	I32WrapI64
	I32Const $96
	I32Add
	Get V4
	V128Store
	Get R1
	I32WrapI64
	I32Const $112
	I32Add
	Get V5
	V128Store
	RET
