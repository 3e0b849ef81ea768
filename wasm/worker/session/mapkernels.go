package session

import "math"

// The two loops every Classify runs over every value of every shown layer
// (absorb): a scan for each map's range and the layer's statistics, and
// the 8-bit quantization of the map. On the engine worker they took more
// than the engine's own pass: ResNet-50 in Node, 550 ms to run, 265 ms more
// to scan and quantize its 175 shown layers (the app's classify 508 ms
// against the bench's 290 on one worker, whose helpers meanwhile wait at
// the next gather). Each loop has a generic version here, in plain Go with
// no build tag, and a SIMD128 version in WebAssembly (mapkernels_wasm_simd.go;
// the scan's loop also in assembly, asm128) selected for the build at
// hand (the quantization runs only when a map is viewed for a model
// small enough to keep its float32 values, Session.lazy); every build
// lists its versions in mapPaths so that one table test runs them all.
// Natively the session runs only in tests, so there is no AVX path.

// mapPath is one implementation of the loops.
type mapPath struct {
	name string
	scan func(m []float32) scanned
	// quantize sets dst[i] to the byte of m[i] in the range from mn with
	// scale 255/(max-min), both float32 (see quantizeInto).
	quantize func(dst []byte, m []float32, mn, scale float32)
}

// scanned is what one scan finds in a run of values.
type scanned struct {
	zeros, finite int
	// sum of the finite values: in order on the generic path; the SIMD
	// path adds four float32 lanes over at most scanBlock values before
	// each goes into the float64 sum, so its mean differs in the last
	// digits (a relative 1e-5 at most), which the table shows to three.
	sum    float64
	mn, mx float32 // of the finite values; MaxFloat32, -MaxFloat32 when none
}

// scanBlock bounds the values a SIMD path sums in float32 lanes before
// adding them to the float64 sum: 1024 values, 256 a lane.
const scanBlock = 1024

var genericMaps = mapPath{name: "generic", scan: scanGeneric, quantize: quantizeGeneric}

// mapPaths returns every path this build can run, generic first.
func mapPaths() []mapPath { return append([]mapPath{genericMaps}, simdMapPaths...) }

// bestMaps is the path the session takes: the last of mapPaths.
var bestMaps = mapPaths()[len(mapPaths())-1]

func scanGeneric(m []float32) scanned {
	var zeros, finite int
	var sum float64
	mn, mx := float32(math.MaxFloat32), float32(-math.MaxFloat32)
	for _, v := range m {
		if v == 0 {
			zeros++
		}
		// v-v is 0 for finite v and NaN for NaN and infinities.
		if v-v != 0 {
			continue
		}
		finite++
		// Comparisons, not the min and max builtins: in WebAssembly those
		// are runtime calls (see engine/gemm's ReLU).
		if v < mn {
			mn = v
		}
		if v > mx {
			mx = v
		}
		sum += float64(v)
	}
	return scanned{zeros: zeros, finite: finite, sum: sum, mn: mn, mx: mx}
}

// quantizeGeneric rounds (v-mn)*scale in float32, each step rounded on its
// own (the conversion stops Go from fusing the multiply and the add, as the
// SIMD path does not fuse them), so every path gives the same bytes.
func quantizeGeneric(dst []byte, m []float32, mn, scale float32) {
	dst = dst[:len(m)]
	for i, v := range m {
		// v-v is 0 for finite v and NaN for NaN and infinities, which are
		// rare: a branch the processor predicts. A finite v is within
		// [mn, mx], so x is within [0, 255] but for a last bit of rounding
		// and x+0.5 converts without clamping: the same byte as clamping x
		// to [0, 255] first, without a branch on each value's place in
		// the range (a ReLU's zeros, a third of the values, had the
		// processor guess wrong at random).
		if v-v != 0 {
			dst[i] = 0
			if v > 0 {
				dst[i] = 255 // +Inf; NaN and -Inf are 0
			}
			continue
		}
		dst[i] = byte(int32(float32((v-mn)*scale) + 0.5))
	}
}
