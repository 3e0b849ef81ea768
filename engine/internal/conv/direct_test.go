package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// directCases are geometries useDirect accepts: the first layers it was
// made for (ResNet's and GoogLeNet's 7x7 stride 2 at 224 (row segments)
// and a smaller map, AlexNet's 11x11 stride 4 (two KC slices)), odd sizes,
// an odd number of row segments, M not a multiple of 8, asymmetric pads
// wider than the stride, dilation and stride 3, a batch of two.
var directCases = []Geom{
	{N: 1, C: 3, M: 64, H: 224, W: 224, KH: 7, KW: 7, SH: 2, SW: 2, PT: 3, PL: 3, PB: 3, PR: 3},
	{N: 1, C: 3, M: 64, H: 224, W: 224, KH: 11, KW: 11, SH: 4, SW: 4, PT: 2, PL: 2, PB: 2, PR: 2},
	{N: 1, C: 3, M: 6, H: 41, W: 37, KH: 7, KW: 7, SH: 2, SW: 2, PT: 3, PL: 3, PB: 3, PR: 3},
	{N: 2, C: 2, M: 5, H: 35, W: 40, KH: 3, KW: 5, SH: 1, SW: 2, PT: 0, PL: 4, PB: 2, PR: 1},
	{N: 1, C: 4, M: 9, H: 30, W: 70, KH: 3, KW: 3, SH: 3, SW: 3, PT: 1, PL: 2, PB: 0, PR: 0, DH: 2, DW: 2},
	{N: 1, C: 1, M: 4, H: 20, W: 34, KH: 2, KW: 4, SH: 2, SW: 2},
	// 3x3 stride 2 (ResNet's downsampling convs; fewer output channels
	// to keep Naive quick): 5 KC slices of taps, 14 x 14 outputs, odd
	// sizes and asymmetric pads, a batch of two.
	{N: 1, C: 128, M: 12, H: 56, W: 56, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
	{N: 1, C: 64, M: 9, H: 28, W: 28, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
	{N: 2, C: 32, M: 8, H: 29, W: 27, KH: 3, KW: 3, SH: 2, SW: 2, PT: 0, PL: 2, PB: 1, PR: 0},
	// Output rows under 14 (6 x 64 tiles): 7x7 (ResNet's layer4.0), M not
	// a multiple of 6, and 12x8 outputs of odd sizes in a batch of two.
	{N: 1, C: 64, M: 14, H: 14, W: 14, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
	{N: 2, C: 24, M: 7, H: 23, W: 16, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 0, PB: 1, PR: 1},
}

// directWideCases are held to the im2col path's bits only: their sums
// (2304 taps) are too large for TestDirectMatchesNaive's absolute bound.
var directWideCases = []Geom{
	// directMaxS2C channels (ResNet-50's layer3.0.conv2): 9 KC slices.
	{N: 1, C: 256, M: 8, H: 28, W: 28, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
	// ResNet-50's layer4.0.conv2 (512 channels, 14 -> 7): 18 KC slices.
	{N: 1, C: 512, M: 6, H: 14, W: 14, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
	// The channel-vector path (direct_chan.go) with a whole slab of 64
	// channels and a partial one, 49 pixels (9 tiles, the last of one).
	{N: 1, C: 32, M: 80, H: 14, W: 14, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
}

// directCase completes a case of directCases: no groups, dilation 1
// where unset, the output size.
func directCase(g Geom) Geom {
	g.Group = 1
	g.DH, g.DW = max(g.DH, 1), max(g.DW, 1)
	g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, g.DH)
	g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, g.DW)
	return g
}

// directKernels are the tile kernels to test: the portable one, and this
// build's SIMD one if any.
func directKernels() map[string]directTileFn {
	ks := map[string]directTileFn{"go": directTileGo}
	if directKernel != nil {
		ks["simd"] = directKernel
	}
	return ks
}

// TestDirectMatchesNaive runs every direct tile kernel on directCases with
// float32 and int8 weights, bias and ReLU, 1 and 3 workers, against Naive;
// the results must not depend on the number of workers, bit for bit.
func TestDirectMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, g := range directCases {
		g = directCase(g)
		if !useDirect(g) {
			t.Fatalf("%+v: useDirect false; the case tests nothing", g)
		}
		x, bias := randSlice(r, g.N*g.C*g.H*g.W), randSlice(r, g.M)
		wq, wf := quantWeights(r, g)
		for _, w := range []Weights{{F: randSlice(r, g.M*g.C*g.KH*g.KW)}, wq} {
			wv := w.F
			if w.Q != nil {
				wv = wf
			}
			want := make([]float32, g.N*g.M*g.OH*g.OW)
			Naive(g, x, wv, bias, want, true)
			for name, kern := range directKernels() {
				var one []float32
				for _, workers := range []int{1, 3} {
					got := make([]float32, len(want))
					for j := range got {
						got[j] = float32(math.NaN()) // every element must be written
					}
					direct(g, x, w, bias, got, true, workers, kern)
					one = checkWorkerRun(t, fmt.Sprintf("%+v %s int8=%v workers=%d", g, name, w.Q != nil, workers), got, want, one)
				}
			}
		}
	}
}

// TestDirectSameBits: with AVX-512, the direct path gives the bits of the
// im2col + GEMM path it replaces (same fused multiply-adds in the same
// order over the same KC slices, the same stores and adds, then bias and
// ReLU), so a model's outputs do not change.
func TestDirectSameBits(t *testing.T) {
	if directKernel == nil || gemm.DefaultTiles.Kernel.Name != "avx512_4x32" {
		t.Skip("no AVX-512 direct kernel on this build or CPU")
	}
	r := rand.New(rand.NewPCG(43, 44))
	for _, g := range append(directCases[:len(directCases):len(directCases)], directWideCases...) {
		g = directCase(g)
		x, bias := randSlice(r, g.N*g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		w.Packed = Prepack(g, w)
		want := make([]float32, g.N*g.M*g.OH*g.OW)
		got := make([]float32, len(want))
		forward(g, x, w, bias, want, true, 1, paths{tiles: gemm.DefaultTiles, winograd: true})
		Forward(g, x, w, bias, got, true, 2)
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%+v: y[%d] = %v, im2col path %v", g, j, got[j], want[j])
			}
		}
	}
}

// TestDirectEpilogues runs every direct tile kernel with and without bias
// and ReLU against Naive: the SIMD kernel stores, adds, biases and ReLUs
// full tiles in assembly (a first layer's row segments of one KC slice,
// ResNet's conv1 at a smaller map; 3x3 stride 2 over 5 slices, 8 x 48 and
// 6 x 64 tiles), the rest in Go.
func TestDirectEpilogues(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, g := range []Geom{
		{N: 1, C: 3, M: 16, H: 192, W: 192, KH: 7, KW: 7, SH: 2, SW: 2, PT: 3, PL: 3, PB: 3, PR: 3},
		directCases[6],
		directCases[9],
	} {
		g = directCase(g)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := Weights{F: randSlice(r, g.M*g.C*g.KH*g.KW)}
		for _, bias := range [][]float32{nil, randSlice(r, g.M)} {
			for _, relu := range []bool{false, true} {
				want := make([]float32, g.N*g.M*g.OH*g.OW)
				Naive(g, x, w.F, bias, want, relu)
				for name, kern := range directKernels() {
					got := make([]float32, len(want))
					for j := range got {
						got[j] = float32(math.NaN())
					}
					direct(g, x, w, bias, got, relu, 2, kern)
					for j := range got {
						if d := math.Abs(float64(got[j] - want[j])); !(d <= 1e-4) {
							t.Fatalf("%+v %s bias=%v relu=%v: y[%d] = %v, naive %v", g, name, bias != nil, relu, j, got[j], want[j])
						}
					}
				}
			}
		}
	}
}

// checkWorkerRun checks got, the output of a run on some worker count,
// against Naive's want (within 1e-4: a NaN left in an element never
// written fails) and, unless one is nil, bit for bit against one, the
// output of the first count; it returns the first count's output.
func checkWorkerRun(t *testing.T, what string, got, want, one []float32) []float32 {
	t.Helper()
	for j := range got {
		if d := math.Abs(float64(got[j] - want[j])); !(d <= 1e-4) {
			t.Fatalf("%s: y[%d] = %v, naive %v", what, j, got[j], want[j])
		}
	}
	if one == nil {
		return got
	}
	for j := range got {
		if math.Float32bits(got[j]) != math.Float32bits(one[j]) {
			t.Fatalf("%s: y[%d] = %v, 1 worker %v", what, j, got[j], one[j])
		}
	}
	return one
}
