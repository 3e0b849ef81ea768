//go:build !(amd64 && goexperiment.simd) || convscope_nosimd

package conv

// directKernel is nil without the AVX-512 kernel (direct_amd64.go):
// Forward takes im2col + GEMM for every conv.
var directKernel directTileFn
