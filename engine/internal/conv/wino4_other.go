//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package conv

// inputQuad4Wasm has an assembly form in WebAssembly only (wino4_wasm.go).
func inputQuad4Wasm(pc []float32, ln, tilesX, t int, v []float32, plane int) bool { return false }

// phasesQuad4 has an assembly form in WebAssembly only (wino4_wasm.go).
func phasesQuad4(src, dst []float32, ln, n int) bool { return false }

// phasesPlane has an assembly form in WebAssembly only (wino4_wasm.go).
func phasesPlane(src, dst []float32, ln, n, rows, wp, tilesX int) bool { return false }

// outputQuads4Store has an assembly form in WebAssembly only (wino4_wasm.go).
func outputQuads4Store(p []float32, plane int, bv float32, relu bool, out []float32, ofs *[maxQuads4][5]int, i0, i1, ow int) bool {
	return false
}

// winoOutStore4 has an assembly form in WebAssembly only (winooutput_wasm.go).
func winoOutStore4(p []float32, plane int, bv float32, relu bool, y []float32, o, w int) bool {
	return false
}

// winoOutStores4 has an assembly form in WebAssembly only (winooutput_wasm.go).
func winoOutStores4(p []float32, plane int, bv float32, relu bool, y []float32, ofs *[winoMaxTiles / 4][2]int, i0, i1, w int) bool {
	return false
}

// inputQuads4 has an assembly form in WebAssembly only (wino4_wasm.go).
func inputQuads4(pc []float32, ln, tilesX, t int, v []float32, plane int, ofs *[maxQuads4]int, n int) bool {
	return false
}
