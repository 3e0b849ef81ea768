// MADD(acc) leaves x*y + acc on the stack, x and y the two vectors on top
// of it: f32x4.relaxed_madd in the relaxed-SIMD build (go_asm.h defines
// const_relaxedMadd, relaxed_wasm_simd.go), f32x4.mul then f32x4.add
// otherwise. The Nop after the relaxed op is the mark by which
// convscope/internal/wasmrelax finds and fixes Go's encoding of it (see
// engine/internal/relaxed); it must follow the op directly.
#ifdef const_relaxedMadd
#define MADD(acc) Get acc; F32x4RelaxedMadd; Nop
#else
#define MADD(acc) F32x4Mul; Get acc; F32x4Add
#endif

// SPLAT4(off) leaves on the stack the float32 at the address on top of it
// plus off, splat to the four lanes: v128.load32_splat (one vbroadcastss
// from memory in V8 on x64) in the relaxed-SIMD build, whose post-link
// fix (convscope/internal/wasmrelax) gives it the memarg that Go's
// assembler does not write (the I32Const after it becomes its alignment
// and offset); f32.load then f32x4.splat otherwise. Same value either way.
#ifdef const_relaxedMadd
#define SPLAT4(off) V128Load32Splat; I32Const $off
#else
#define SPLAT4(off) F32Load $off; F32x4Splat
#endif
