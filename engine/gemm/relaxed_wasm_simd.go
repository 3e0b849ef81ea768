//go:build convscope_relaxed && wasm && goexperiment.simd && !convscope_nosimd

package gemm

// relaxedMadd makes go_asm.h define const_relaxedMadd, which madd_wasm.h
// reads: the relaxed-SIMD build (engine/internal/relaxed).
const relaxedMadd = 1
