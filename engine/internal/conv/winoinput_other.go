//go:build (!(amd64 && goexperiment.simd) && !(wasm && goexperiment.simd)) || convscope_nosimd

package conv

// transformInput4 has a vector form on amd64 (winoinput_amd64.go) and
// WebAssembly (winoinput_wasm.go); elsewhere transformInput transforms one
// tile at a time.
func transformInput4(img []float32, p, w int, v []float32, q, plane int) bool { return false }

func transformInputWide(img []float32, p, w int, v []float32, q, plane int, wide bool) {
	panic("transformInputWide without wideVectors")
}

func padRowWide(row, src []float32, pl int) {
	panic("padRowWide without wideVectors")
}
