//go:build !((amd64 || wasm) && goexperiment.simd) || convscope_nosimd

package gemm

// archKernels: this build has no SIMD kernels (no GOEXPERIMENT=simd, another
// architecture, or the convscope_nosimd build tag).
func archKernels() []Kernel { return nil }
