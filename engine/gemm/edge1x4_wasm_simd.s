//go:build wasm && goexperiment.simd && !convscope_nosimd

#include "textflag.h"
#include "go_asm.h"
#include "madd_wasm.h"

// func edge1x4Asm(kc int, a, b *float32, out *[16]float32)
//
// edgeSIMD128x4x1 on four consecutive A slivers at once (SIMD128's
// Edge1x4): for p < kc, each sliver's 4 rows (a vector) times a splat of
// B's column 0 at b (8 floats a step), added to the sliver's accumulator
// (f32x4.mul then f32x4.add, as the Go kernel; f32x4.relaxed_madd in the
// relaxed-SIMD build: MADD, madd_wasm.h); sliver t's sums to
// out[4t:4t+4]. One sliver at a time, each step waited on the previous
// step's add (one chain); four chains fill the adder. The last sliver of
// a product with n = 8j+1 (7x7, 13x13 and 27x27 maps: ResNet's layer4,
// AlexNet's convs) was 1.4% of a ResNet-50 + GoogLeNet + AlexNet profile in
// Node. Go's assembler drops a hand-written V128Store's offset, so the
// stores add theirs to the address.
//
// Registers: R0 steps left, R1-R4 the slivers (R1 + t*kc*16 bytes), R5 b;
// V0-V3 the accumulators, V4 the splat B value.
TEXT ·edge1x4Asm(SB), NOSPLIT, $0-32
	MOVD kc+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R5
	Get R0
	I64Const $4
	I64Shl
	Set R6
	Get R1
	Get R6
	I64Add
	Set R2
	Get R2
	Get R6
	I64Add
	Set R3
	Get R3
	Get R6
	I64Add
	Set R4
	I32Const $0
	I32x4Splat
	Set V0
	Get V0
	Set V1
	Get V0
	Set V2
	Get V0
	Set V3

	Block
	Loop
	Get R0
	I64Eqz
	BrIf $1
	Get R5
	I32WrapI64
	F32Load $0
	F32x4Splat
	Set V4
	Get R1
	I32WrapI64
	V128Load $0
	Get V4
	MADD(V0)
	Set V0
	Get R2
	I32WrapI64
	V128Load $0
	Get V4
	MADD(V1)
	Set V1
	Get R3
	I32WrapI64
	V128Load $0
	Get V4
	MADD(V2)
	Set V2
	Get R4
	I32WrapI64
	V128Load $0
	Get V4
	MADD(V3)
	Set V3
	Get R1
	I64Const $16
	I64Add
	Set R1
	Get R2
	I64Const $16
	I64Add
	Set R2
	Get R3
	I64Const $16
	I64Add
	Set R3
	Get R4
	I64Const $16
	I64Add
	Set R4
	Get R5
	I64Const $32
	I64Add
	Set R5
	Get R0
	I64Const $1
	I64Sub
	Set R0
	Br $0
	End
	End

	MOVD out+24(FP), R7
	Get R7
	I32WrapI64
	Get V0
	V128Store
	Get R7
	I32WrapI64
	I32Const $16
	I32Add
	Get V1
	V128Store
	Get R7
	I32WrapI64
	I32Const $32
	I32Add
	Get V2
	V128Store
	Get R7
	I32WrapI64
	I32Const $48
	I32Add
	Get V3
	V128Store
	RET
