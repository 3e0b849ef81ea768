//go:build !(amd64 && goexperiment.simd && !convscope_nosimd)

package gemm

// copyStrip is tile_amd64.go's B strip copy; without it, directB tiles
// read B in place.
func copyStrip(dst, src []float32, ldb, kc int, next bool) bool { return false }
