//go:build !(amd64 && goexperiment.simd) || convscope_nosimd

package conv

// directKernel is nil without the AVX-512 kernel (direct_amd64.go):
// Forward takes im2col + GEMM for every conv.
var directKernel directTileFn

// directGather2 sets dst[j] = src[2j], the planes' rows at stride 2.
func directGather2(dst, src []float32) { gather2Go(dst, src) }
