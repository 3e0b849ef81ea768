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
