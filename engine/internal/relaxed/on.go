//go:build convscope_relaxed && wasm && goexperiment.simd && !convscope_nosimd

package relaxed

// On is true in the relaxed-SIMD build (see the package comment).
const On = true
