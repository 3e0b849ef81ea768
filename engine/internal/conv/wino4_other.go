//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package conv

// inputQuad4Wasm has an assembly form in WebAssembly only (wino4_wasm.go).
func inputQuad4Wasm(pc []float32, ln, tilesX, t int, v []float32, plane int) bool { return false }

// phasesQuad4 has an assembly form in WebAssembly only (wino4_wasm.go).
func phasesQuad4(src, dst []float32, ln, n int) bool { return false }

// outputQuad4Store has an assembly form in WebAssembly only (wino4_wasm.go).
func outputQuad4Store(p []float32, plane int, bv float32, relu bool, out []float32, offs *[4]int, ow int) bool {
	return false
}

// winoOutStore4 has an assembly form in WebAssembly only (winooutput_wasm.go).
func winoOutStore4(p []float32, plane int, bv float32, relu bool, y []float32, o, w int) bool {
	return false
}
