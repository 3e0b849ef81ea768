//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package vec

// MaxPool3x3S1Wasm, MaxPool3x3S2Wasm and MaxPool2x2S2Wasm: only
// WebAssembly with SIMD has MaxPool3x3S1W, MaxPool3x3S2P1 and MaxPool2x2S2 (natively AVX-512 has MaxPoolVector's).
func MaxPool3x3S1Wasm(w int) bool { return false }

func MaxPool3x3S2Wasm(h, w, oh, ow, pt, pl int) bool { return false }

func MaxPool2x2S2Wasm(h, w, oh, ow, pt, pl int) bool { return false }

func MaxPool2x2S2(dst, src, vp []float32, planes, h, w int) {
	panic("vec: MaxPool2x2S2 without WebAssembly SIMD")
}

func MaxPool3x3S1W(dst, src, vp []float32, planes, h, w int) {
	panic("vec: MaxPool3x3S1W without WebAssembly SIMD")
}

func MaxPool3x3S2P1(dst, src, vp []float32, planes, h, w int) {
	panic("vec: MaxPool3x3S2P1 without WebAssembly SIMD")
}
