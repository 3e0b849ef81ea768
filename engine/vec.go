package engine

// Elementwise loops shared by Add, Relu and MaxPool. Each has a generic
// version here, in plain Go with no build tag, and a WebAssembly SIMD128
// version (vec_wasm_simd.go) selected by addVec, reluVec and maxVec; every
// build lists its versions in vecPaths so that one table test runs them all.
// In the Go engine running in V8 these ops cost more than their arithmetic:
// Add called a closure per element (7 ns, 39 ms of a ResNet-50 pass) and
// MaxPool's max on float32 is a call to runtime.fmax32 (about 10 ns: a third
// of GoogLeNet's pass), where onnxruntime-web spends well under a
// millisecond on each.

// vecPath is one implementation of the elementwise loops.
type vecPath struct {
	name string
	add  func(dst, a, b []float32) // dst[i] = a[i] + b[i]
	relu func(dst, src []float32)  // dst[i] = 0 if src[i] < 0, else src[i]
	max  func(dst, a, b []float32) // dst[i] = max(a[i], b[i])
	// max3: dst[i] = max(a[i], b[i], c[i]), one pass for a 3-tap window.
	max3 func(dst, a, b, c []float32)
}

var vecGeneric = vecPath{name: "generic", add: addGeneric, relu: reluGeneric, max: maxGeneric, max3: max3Generic}

func addGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// reluGeneric keeps v unless v < 0 (so NaN and -0 pass unchanged, as in
// onnxruntime), a comparison instead of max(v, 0).
func reluGeneric(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

func maxGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = maxf(a[i], b[i])
	}
}

func max3Generic(dst, a, b, c []float32) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for i := range dst {
		dst[i] = maxf(maxf(a[i], b[i]), c[i])
	}
}
