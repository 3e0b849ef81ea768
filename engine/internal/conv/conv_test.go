package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// randomGeom draws a valid geometry; kinds steers it toward each fast path.
func randomGeom(r *rand.Rand, kind int) Geom {
	for {
		g := Geom{N: 1 + r.IntN(2), H: 1 + r.IntN(12), W: 1 + r.IntN(12)}
		g.Group = []int{1, 1, 2, 3}[r.IntN(4)]
		g.C = g.Group * (1 + r.IntN(4))
		g.M = g.Group * (1 + r.IntN(5))
		g.KH, g.KW = 1+r.IntN(4), 1+r.IntN(4)
		g.SH, g.SW = 1+r.IntN(3), 1+r.IntN(3)
		g.DH, g.DW = 1+r.IntN(2), 1+r.IntN(2)
		g.PT, g.PL, g.PB, g.PR = r.IntN(3), r.IntN(3), r.IntN(3), r.IntN(3)
		switch kind {
		case 1: // pointwise
			g.KH, g.KW, g.SH, g.SW = 1, 1, 1, 1
			g.PT, g.PL, g.PB, g.PR = 0, 0, 0, 0
		case 2: // depthwise, with a channel multiplier sometimes
			g.Group = 1 + r.IntN(6)
			g.C = g.Group
			g.M = g.Group * (1 + r.IntN(2))
		}
		g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, g.DH)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, g.DW)
		if g.OH > 0 && g.OW > 0 {
			return g
		}
	}
}

// TestForwardMatchesNaive runs every fast path (im2col + GEMM, pointwise,
// depthwise) against the direct reference on random shapes with strides,
// asymmetric pads, dilations and groups, with and without bias and ReLU.
func TestForwardMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 300; i++ {
		g := randomGeom(r, i%3)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.M*g.C/g.Group*g.KH*g.KW)
		var bias []float32
		if r.IntN(2) == 0 {
			bias = randSlice(r, g.M)
		}
		relu := r.IntN(2) == 0
		want := make([]float32, g.N*g.M*g.OH*g.OW)
		Naive(g, x, w, bias, want, relu)
		for _, workers := range []int{1, 3} {
			got := make([]float32, len(want))
			for j := range got {
				got[j] = float32(math.NaN()) // Forward must write every element
			}
			Forward(g, x, Weights{F: w}, bias, got, relu, workers)
			for j := range got {
				if d := math.Abs(float64(got[j] - want[j])); !(d <= 1e-4) {
					t.Fatalf("%+v bias=%v relu=%v workers=%d: y[%d] = %v, naive %v", g, bias != nil, relu, workers, j, got[j], want[j])
				}
			}
		}
	}
}

// TestForwardChunked forces the im2col buffer to be split into chunks (a
// large K x output-pixel product) and checks against the reference.
func TestForwardChunked(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	g := Geom{N: 1, C: 130, H: 90, W: 91, M: 3, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PL: 1, PB: 1, PR: 1, Group: 1}
	g.OH, g.OW = OutSize(g.H, 1, 1, 3, 1, 1), OutSize(g.W, 1, 1, 3, 1, 1)
	if k := g.C * 9; k*g.OH*g.OW <= colBudget {
		t.Fatalf("geometry does not exceed colBudget; test is vacuous")
	}
	x, w := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M*g.C*9)
	want, got := make([]float32, g.M*g.OH*g.OW), make([]float32, g.M*g.OH*g.OW)
	Naive(g, x, w, nil, want, false)
	Forward(g, x, Weights{F: w}, nil, got, false, 2)
	for j := range got {
		if d := math.Abs(float64(got[j] - want[j])); d > 1e-3 {
			t.Fatalf("y[%d] = %v, naive %v", j, got[j], want[j])
		}
	}
}

// TestForwardBitIdenticalWorkers: 1 and N workers give the same bits.
func TestForwardBitIdenticalWorkers(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 60; i++ {
		g := randomGeom(r, i%3)
		g.H, g.W = g.H+20, g.W+20 // large enough for Parallel to split
		g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, g.DH)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, g.DW)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.M*g.C/g.Group*g.KH*g.KW)
		bias := randSlice(r, g.M)
		one := make([]float32, g.N*g.M*g.OH*g.OW)
		Forward(g, x, Weights{F: w}, bias, one, true, 1)
		for _, workers := range []int{2, 5} {
			got := make([]float32, len(one))
			Forward(g, x, Weights{F: w}, bias, got, true, workers)
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(one[j]) {
					t.Fatalf("%+v workers=%d: y[%d] = %v, 1 worker %v", g, workers, j, got[j], one[j])
				}
			}
		}
	}
}

// TestNaiveHandComputed pins the reference itself on a case worked by hand:
// a 3x3 input, 2x2 kernel of ones, stride 1, pad 1 on top/left only.
func TestNaiveHandComputed(t *testing.T) {
	g := Geom{N: 1, C: 1, H: 3, W: 3, M: 1, KH: 2, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PL: 1, Group: 1}
	g.OH, g.OW = OutSize(3, 1, 0, 2, 1, 1), OutSize(3, 1, 0, 2, 1, 1)
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w := []float32{1, 1, 1, 1}
	y := make([]float32, 9)
	Naive(g, x, w, []float32{10}, y, false)
	want := []float32{11, 13, 15, 15, 22, 26, 21, 34, 38}
	for i := range want {
		if y[i] != want[i] {
			t.Fatalf("y = %v, want %v", y, want)
		}
	}
}

// TestIm2colPhases: im2col from the phase-split input (strided convs)
// writes exactly the matrix of the strided gather from x, for random
// strides, pads, dilations and chunks.
func TestIm2colPhases(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for i := 0; i < 300; i++ {
		g := randomGeom(r, 0)
		g.SW = 2 + r.IntN(4)
		g.W += r.IntN(20)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, g.DW)
		if g.OW <= 0 {
			continue
		}
		cg := g.C / g.Group
		x := randSlice(r, cg*g.H*g.W)
		npix := g.OH * g.OW
		p0 := r.IntN(npix)
		pc := 1 + r.IntN(npix-p0)
		k := cg * g.KH * g.KW
		want, got := make([]float32, k*pc), make([]float32, k*pc)
		for j := range got {
			got[j] = float32(math.NaN()) // every element must be written
		}
		im2col(g, x, nil, want, cg, p0, pc, 1)
		ph := make([]float32, cg*g.H*g.SW*phaseWidth(g))
		splitPhases(g, x, ph, cg, 2)
		im2col(g, x, ph, got, cg, p0, pc, 2)
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%+v p0=%d pc=%d: col[%d] = %v from phases, %v gathered", g, p0, pc, j, got[j], want[j])
			}
		}
	}
}

// TestDepthwiseScaleShift: a 1x1 depthwise conv with stride 1 and no
// padding (a per-channel scale and shift, with a channel multiplier too)
// gives Naive's bits, with and without bias and ReLU, for any number of
// workers.
func TestDepthwiseScaleShift(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, g := range []Geom{
		{N: 1, C: 3, M: 3, H: 17, W: 23, Group: 3},
		{N: 2, C: 4, M: 8, H: 5, W: 6, Group: 4},
	} {
		g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 1, 1, 1, 1, 1
		g.OH, g.OW = g.H, g.W
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.M)
		for _, bias := range [][]float32{nil, randSlice(r, g.M)} {
			for _, relu := range []bool{false, true} {
				want := make([]float32, g.N*g.M*g.OH*g.OW)
				Naive(g, x, w, bias, want, relu)
				for _, workers := range []int{1, 3} {
					got := make([]float32, len(want))
					Forward(g, x, Weights{F: w}, bias, got, relu, workers)
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
							t.Fatalf("%+v bias=%v relu=%v workers=%d: y[%d] = %v, naive %v", g, bias != nil, relu, workers, j, got[j], want[j])
						}
					}
				}
			}
		}
	}
}
