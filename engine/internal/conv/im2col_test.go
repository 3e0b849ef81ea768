package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// TestIm2colPadding: im2col rows that lie partly or wholly in the padding
// (pads as wide as the kernel, inputs narrower than it, dilation) give
// Naive's result, stride 1 (one copy between zeros) and 2 or 3 (the
// gather, with and without taps outside the row).
func TestIm2colPadding(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	geoms := []Geom{
		{N: 1, C: 2, M: 3, H: 1, W: 1, KH: 3, KW: 3, PT: 0, PL: 0, PB: 2, PR: 2},
		{N: 1, C: 2, M: 3, H: 2, W: 1, KH: 3, KW: 3, PT: 2, PL: 2, PB: 0, PR: 0},
		{N: 2, C: 3, M: 5, H: 4, W: 3, KH: 5, KW: 5, PT: 4, PL: 4, PB: 4, PR: 4},
		{N: 1, C: 2, M: 4, H: 5, W: 6, KH: 3, KW: 3, DH: 2, DW: 3, PT: 3, PL: 5, PB: 1, PR: 4},
		{N: 1, C: 64, M: 8, H: 27, W: 27, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2}, // AlexNet features.3
		{N: 1, C: 3, M: 4, H: 9, W: 10, KH: 3, KW: 3, SH: 2, SW: 2, PT: 3, PL: 3, PB: 3, PR: 3},
		{N: 1, C: 8, M: 4, H: 14, W: 14, KH: 1, KW: 1, SH: 2, SW: 2}, // ResNet's downsample: every segment inside
		{N: 1, C: 3, M: 4, H: 11, W: 13, KH: 3, KW: 3, SH: 3, SW: 3, PT: 1, PL: 1, PB: 1, PR: 1},
	}
	for _, g := range geoms {
		g.Group = 1
		g.SH, g.SW, g.DH, g.DW = max(g.SH, 1), max(g.SW, 1), max(g.DH, 1), max(g.DW, 1)
		g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, g.DH)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, g.DW)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.M*g.C*g.KH*g.KW)
		want := make([]float32, g.N*g.M*g.OH*g.OW)
		Naive(g, x, w, nil, want, false)
		got := make([]float32, len(want))
		forward(g, x, Weights{F: w}, nil, got, false, 1, paths{tiles: gemm.DefaultTiles})
		for j := range got {
			if d := math.Abs(float64(got[j] - want[j])); !(d <= 1e-4) {
				t.Fatalf("%+v: y[%d] = %v, naive %v", g, j, got[j], want[j])
			}
		}
	}
}
