package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// TestWinograd4MatchesNaive: F(4x4, 3x3) (winograd4) agrees with the
// reference within its rounding, for every kernel, with and without the
// four-tile vector transforms (which give the scalar code's bits; in
// WebAssembly the assembly's and archsimd's input transform), for
// any number of workers (the same bits), on maps that are not multiples
// of 4, with uneven padding, several images and channel counts that do
// not fill a sliver.
func TestWinograd4MatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	geoms := []Geom{
		{N: 1, C: 16, M: 16, H: 22, W: 24},
		{N: 2, C: 17, M: 20, H: 21, W: 21, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 32, M: 24, H: 23, W: 20, PT: 2, PL: 0, PB: 1, PR: 2},
		{N: 1, C: 64, M: 64, H: 56, W: 56, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 48, M: 36, H: 28, W: 28, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 40, M: 16, H: 14, W: 14, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 24, M: 16, H: 13, W: 13, PT: 1, PL: 1, PB: 1, PR: 1},
		// The CIFAR-10 nets' shapes: 64 tiles in two blocks of 8 quads,
		// 16 tiles in one (runs of quads in one outputQuads4Store call).
		{N: 1, C: 16, M: 16, H: 32, W: 32, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 32, M: 24, H: 16, W: 16, PT: 1, PL: 1, PB: 1, PR: 1},
	}
	defer func(v, a bool) { vector4, wasmQuad4 = v, a }(vector4, wasmQuad4)
	worst := 0.0
	for _, g := range geoms {
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, 3, 1, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, 3, 1, 1)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.M*g.C*9)
		bias := randSlice(r, g.M)
		for _, relu := range []bool{false, true} {
			want := make([]float32, g.N*g.M*g.OH*g.OW)
			Naive(g, x, w, bias, want, relu)
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(float64(v)))
			}
			for _, kern := range gemm.Kernels() {
				ww := newWinograd4Weights(Weights{F: w}, g.M, g.C, kern.MR)
				var first []float32
				// The vector transforms, with the assembly in WebAssembly
				// and without, then the scalar code.
				for _, mode := range []struct{ vec, asm bool }{{true, true}, {true, false}, {false, false}} {
					vec := mode.vec
					vector4, wasmQuad4 = mode.vec, mode.asm
					for _, workers := range []int{1, 3} {
						got := make([]float32, len(want))
						for j := range got {
							got[j] = float32(math.NaN()) // every element must be written
						}
						winograd4(g, x, ww, bias, got, relu, workers, gemm.TilesFor(kern))
						if first == nil {
							first = got
						}
						for j := range got {
							if math.Float32bits(got[j]) != math.Float32bits(first[j]) {
								t.Fatalf("%+v relu=%v %s vector=%v workers=%d: y[%d] = %v, not the first run's %v", g, relu, kern.Name, vec, workers, j, got[j], first[j])
							}
							e := math.Abs(float64(got[j]-want[j])) / scale
							if !(e <= 1e-4) {
								t.Fatalf("%+v relu=%v %s workers=%d: y[%d] = %v, naive %v", g, relu, kern.Name, workers, j, got[j], want[j])
							}
							worst = max(worst, e)
						}
					}
				}
			}
		}
	}
	t.Logf("largest F(4x4) Winograd error: %.2g of the output's largest magnitude", worst)
}

// TestWinograd4Int8: with int8 weights kept by Prepack on a WebAssembly
// target's layout, Forward's F(4x4) path agrees with the reference on the
// dequantized weights.
func TestWinograd4Int8(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	g := layerGeom(Geom{N: 1, C: 32, M: 40, H: 28, W: 28, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PL: 1, PB: 1, PR: 1})
	if !useWinograd4(g, true) || LayoutFor(g, Target{Wasm: true, Kernel: gemm.DefaultTiles.Kernel}) != Winograd4Kernels {
		t.Fatalf("%+v does not take F(4x4) in WebAssembly", g)
	}
	w, wf := quantWeights(r, g)
	x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
	want := make([]float32, g.M*g.OH*g.OW)
	Naive(g, x, wf, bias, want, true)
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	ww := newWinograd4Weights(w, g.M, g.C, gemm.DefaultTiles.Kernel.MR)
	got := make([]float32, len(want))
	winograd4(g, x, ww, bias, got, true, 2, gemm.DefaultTiles)
	for j := range got {
		if e := math.Abs(float64(got[j]-want[j])) / scale; !(e <= 1e-4) {
			t.Fatalf("y[%d] = %v, naive %v", j, got[j], want[j])
		}
	}
}

// TestWinograd4OneBlock: on maps of up to 16 tiles, one block of them all
// (wino4OneBlock) gives the bits of blocks of 8 tiles (which such maps
// took from 114 input channels), for every kernel and 1 or 2 workers, and
// agrees with the reference.
func TestWinograd4OneBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	one := wino4OneBlock
	defer func() { wino4OneBlock = one }()
	for _, g := range []Geom{
		{N: 1, C: 128, M: 40, H: 14, W: 14, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 200, M: 36, H: 13, W: 13, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 2, C: 120, M: 20, H: 16, W: 16, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 130, M: 16, H: 15, W: 14, PT: 1, PL: 0, PB: 1, PR: 2},
	} {
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, 3, 1, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, 3, 1, 1)
		if tiles := ((g.OH + 3) / 4) * ((g.OW + 3) / 4); tiles > one {
			t.Fatalf("%+v: %d tiles, more than one block's %d", g, tiles, one)
		}
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.M*g.C*9)
		bias := randSlice(r, g.M)
		want := make([]float32, g.N*g.M*g.OH*g.OW)
		Naive(g, x, w, bias, want, true)
		scale := 0.0
		for _, v := range want {
			scale = max(scale, math.Abs(float64(v)))
		}
		for _, kern := range gemm.Kernels() {
			ww := newWinograd4Weights(Weights{F: w}, g.M, g.C, kern.MR)
			for _, workers := range []int{1, 2} {
				var got [2][]float32
				for i, n := range []int{one, 0} {
					wino4OneBlock = n
					got[i] = make([]float32, len(want))
					winograd4(g, x, ww, bias, got[i], true, workers, gemm.TilesFor(kern))
				}
				for j := range want {
					if math.Float32bits(got[0][j]) != math.Float32bits(got[1][j]) {
						t.Fatalf("%+v %s workers=%d: y[%d] = %v in one block, %v in blocks of 8 tiles", g, kern.Name, workers, j, got[0][j], got[1][j])
					}
					if e := math.Abs(float64(got[0][j]-want[j])) / scale; !(e <= 1e-4) {
						t.Fatalf("%+v %s workers=%d: y[%d] = %v, naive %v", g, kern.Name, workers, j, got[0][j], want[j])
					}
				}
			}
		}
	}
}
