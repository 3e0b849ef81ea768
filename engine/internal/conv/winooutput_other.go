//go:build !((amd64 || wasm) && goexperiment.simd) || convscope_nosimd

package conv

// storeOut4 has a vector form on amd64 and in WebAssembly
// (winooutput_amd64.go, winooutput_wasm.go); elsewhere transformOutput
// stores one tile at a time.
func storeOut4(y []float32, o, w int, ys *[4][4]float32) bool { return false }

func winoOutWide(p []float32, plane int, bv float32, relu bool, out []float32, oh, ow, tilesX, n int, tx, ty *int) {
	panic("winoOutWide without wideVectors")
}

func wideVectors() bool { return false }
