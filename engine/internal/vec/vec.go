// Package vec holds the engine's elementwise loops over float32 slices: the
// Add, Relu and MaxPool ops' (package engine), the pixel-major GEMM's tile
// sums (package conv), which cannot import engine, and the fused residual
// Add (+ ReLU) of a conv (packages conv and gemm). Each loop has a
// generic version here, in plain Go with no build tag, and SIMD versions
// (AVX2 and AVX-512 natively, SIMD128 in WebAssembly) selected by Add,
// Relu, AddRelu, Max, Max3 and MaxS2 for the CPU at hand; every build lists its versions
// in Paths so that one table test runs them all.
//
// In the Go engine running in V8 these ops cost more than their
// arithmetic: Add called a closure per element (7 ns, 39 ms of a ResNet-50
// pass) and MaxPool's max on float32 is a call to runtime.fmax32 (about 10
// ns: a third of GoogLeNet's pass), where onnxruntime-web spends well under
// a millisecond on each. Natively Go's max on float32 is inline but
// branches on NaN and signed zeros per value: MaxPool took 5.2 of
// GoogLeNet's 32 ms one-worker pass (16%), where onnxruntime-node spends
// 0.35 ms.
package vec

// Path is one implementation of the elementwise loops.
type Path struct {
	Name string
	Add  func(dst, a, b []float32) // dst[i] = a[i] + b[i]
	Relu func(dst, src []float32)  // dst[i] = 0 if src[i] < 0, else src[i]
	// AddRelu: c[i] += r[i], then 0 if relu and c[i] < 0 (see AddRelu).
	AddRelu func(c, r []float32, relu bool)
	Max     func(dst, a, b []float32) // dst[i] = max(a[i], b[i])
	// Max3: dst[i] = max(a[i], b[i], c[i]), one pass for a 3-tap window.
	Max3 func(dst, a, b, c []float32)
	// MaxS2: dst[i] = max(v[2i], v[2i+1], v[2i+2]) (len(v) > 2*len(dst)):
	// a row of 3-wide windows at stride 2 (MaxPool 3x3 stride 2).
	MaxS2 func(dst, v []float32)
}

// Generic is the plain Go path.
var Generic = Path{Name: "generic", Add: addGeneric, Relu: reluGeneric, AddRelu: addReluGeneric, Max: maxGeneric, Max3: max3Generic, MaxS2: maxS2Generic}

// Paths returns every path this build can run on this CPU, Generic first.
func Paths() []Path { return append([]Path{Generic}, simdPaths...) }

// best is the path Add, Relu, AddRelu, Max and Max3 take: the last of Paths.
var best = Paths()[len(Paths())-1]

// Add sets dst[i] = a[i] + b[i] (dst may be a or b).
func Add(dst, a, b []float32) { best.Add(dst, a, b) }

// Relu sets dst[i] to src[i], or 0 where src[i] < 0 (NaN and -0 pass
// unchanged, as in onnxruntime).
func Relu(dst, src []float32) { best.Relu(dst, src) }

// AddRelu sets c[i] += r[i] for i < len(c), then clamps each at zero when
// relu (v < 0 becomes 0, so -0 and NaN stay, as Relu does): the residual
// Add (+ ReLU) of a ResNet block fused into the conv that makes one of its
// operands, run as a second pass over the conv's output by the conv paths
// that do not add it in the GEMM's tile store (gemm.Epilogue.Add). The bits
// are those of the Add and Relu ops run as separate passes.
func AddRelu(c, r []float32, relu bool) { best.AddRelu(c, r, relu) }

// Max sets dst[i] = max(a[i], b[i]) with Go's max's bits, except which NaN
// comes out when there is one (dst may be a or b).
func Max(dst, a, b []float32) { best.Max(dst, a, b) }

// Max3 sets dst[i] = max(a[i], b[i], c[i]) as Max does.
func Max3(dst, a, b, c []float32) { best.Max3(dst, a, b, c) }

// MaxS2 sets dst[i] = max(v[2i], v[2i+1], v[2i+2]) as Max does (len(v)
// must exceed 2*len(dst)).
func MaxS2(dst, v []float32) { best.MaxS2(dst, v) }

// MaxS2Vector says whether MaxS2 has a vector form on this build and CPU
// (AVX-512's two-source permutes; archsimd has no shuffle for
// WebAssembly). Without one it is a scalar loop, and MaxPool keeps its
// other paths, whose long Max3 calls are vector loops there too.
func MaxS2Vector() bool { return best.Name == "avx512" }

func addGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// reluGeneric keeps v unless v < 0, a comparison instead of max(v, 0).
func reluGeneric(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

func addReluGeneric(c, r []float32, relu bool) {
	r = r[:len(c)]
	for i, v := range c {
		v += r[i]
		if relu && v < 0 {
			v = 0
		}
		c[i] = v
	}
}

func maxGeneric(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = Maxf(a[i], b[i])
	}
}

func maxS2Generic(dst, v []float32) {
	v = v[:2*len(dst)+1]
	for i := range dst {
		dst[i] = Maxf(Maxf(v[2*i], v[2*i+1]), v[2*i+2])
	}
}

func max3Generic(dst, a, b, c []float32) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	for i := range dst {
		dst[i] = Maxf(Maxf(a[i], b[i]), c[i])
	}
}

// maxPoolS2Plane is the vector form of MaxPoolS2 where this build and CPU
// have one (AVX-512), else nil.
var maxPoolS2Plane func(dst, src, vp []float32, planes, h, w, oh, ow, pt, pl, k int)

// MaxPoolVector says whether MaxPoolS2 and MaxPool3x3S1 may be called:
// natively with AVX-512 only.
func MaxPoolVector() bool { return maxPoolS2Plane != nil }

// MaxPoolS2Scratch is the length of MaxPoolS2's vp for output rows of ow.
func MaxPoolS2Scratch(ow int) int { return 2*ow + 34 }

// MaxPoolS2 pools planes consecutive (h, w) planes of src into (oh, ow)
// planes of dst with a k x k window (k 2 or 3), stride 2 and no dilation,
// pt rows and pl columns of padding before the input (pl < k; the padding
// after it, and ceil mode's partial windows, follow from oh and ow): each
// output is the maximum of its window's taps inside the input, with Go's
// max's bits (which NaN aside), or -Inf for a window with none. vp is
// scratch of MaxPoolS2Scratch(ow) values. Only when MaxPoolVector().
func MaxPoolS2(dst, src, vp []float32, planes, h, w, oh, ow, pt, pl, k int) {
	maxPoolS2Plane(dst, src, vp, planes, h, w, oh, ow, pt, pl, k)
}

// maxPool3x3S1Plane is the vector form of MaxPool3x3S1 where this build
// and CPU have one (AVX-512), else nil; MaxPoolVector covers both.
var maxPool3x3S1Plane func(dst, src []float32, planes, h, w int)

// MaxPool3x3S1 pools planes consecutive (h, w) planes of src into dst
// (the same size) with a 3x3 window, stride 1 and one cell of padding on
// every side (GoogLeNet's inception pools), h and w at least 2, with Go's
// max's bits (which NaN aside). Only when MaxPoolVector().
func MaxPool3x3S1(dst, src []float32, planes, h, w int) {
	maxPool3x3S1Plane(dst, src, planes, h, w)
}
