//go:build !(amd64 && goexperiment.simd) || convscope_nosimd

package conv

// directKernel is nil without the AVX-512 kernel (direct_amd64.go):
// Forward takes im2col + GEMM for every conv.
var directKernel directTileFn

// directChanKernel is nil too: direct_chan.go's portable kernel.
var directChanKernel directChanFn

// directSplit2 sets e[j] = src[2j] and o[j] = src[2j+1]: an input row
// into the planes of its two column phases at stride 2.
func directSplit2(e, o, src []float32) { split2Go(e, o, src) }
