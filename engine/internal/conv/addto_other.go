//go:build !(amd64 && goexperiment.simd) || convscope_nosimd

package conv

// addTo sets dst[i] += src[i].
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}
