package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// quantWeights returns random int8 weights for g with one scale per output
// channel, and their float32 values as a model loader would make them.
func quantWeights(r *rand.Rand, g Geom) (Weights, []float32) {
	per := g.C / g.Group * g.KH * g.KW
	w := Weights{Q: make([]int8, g.M*per), Scales: make([]float32, g.M)}
	f := make([]float32, len(w.Q))
	for m := range w.Scales {
		w.Scales[m] = r.Float32() / 64
	}
	for i := range w.Q {
		w.Q[i] = int8(r.IntN(255) - 127)
		f[i] = float32(w.Q[i]) * w.Scales[i/per]
	}
	return w, f
}

// TestInt8WeightsMatchFloat: every path (im2col + GEMM, pointwise,
// depthwise, Winograd, with every GEMM kernel) gives exactly the bits with
// int8 weights that it gives with their dequantized float32 values.
func TestInt8WeightsMatchFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	var geoms []Geom
	for i := 0; i < 60; i++ {
		geoms = append(geoms, randomGeom(r, i%3))
	}
	for _, g := range []Geom{
		{N: 1, C: 32, M: 24, H: 23, W: 20, PT: 2, PL: 0, PB: 1, PR: 2},
		{N: 2, C: 128, M: 20, H: 21, W: 21, PT: 1, PL: 1, PB: 1, PR: 1},
	} {
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, 3, 1, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, 3, 1, 1)
		geoms = append(geoms, g)
	}
	winograds := 0
	for _, g := range geoms {
		x := randSlice(r, g.N*g.C*g.H*g.W)
		wq, wf := quantWeights(r, g)
		bias := randSlice(r, g.M)
		for _, kern := range gemm.Kernels() {
			pa := paths{tiles: gemm.TilesFor(kern), winograd: true}
			if useWinograd(g) {
				winograds++
			}
			want := make([]float32, g.N*g.M*g.OH*g.OW)
			forward(g, x, Weights{F: wf}, bias, want, true, 1, pa)
			for _, workers := range []int{1, 3} {
				got := make([]float32, len(want))
				forward(g, x, wq, bias, got, true, workers, pa)
				for j := range got {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("%+v %s workers=%d: y[%d] = %v with int8 weights, %v with float32", g, kern.Name, workers, j, got[j], want[j])
					}
				}
			}
		}
	}
	if winograds == 0 {
		t.Fatal("no geometry took the Winograd path")
	}
}
