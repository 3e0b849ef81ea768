package conv

import (
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// BenchmarkInt8Weights compares float32 and int8 weights on the paths of
// VGG16's conv4_2 (Winograd with the amd64 SIMD kernels) and conv1_2
// (im2col), one worker.
func BenchmarkInt8Weights(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name string
		g    Geom
	}{
		{"512ch28x28", Geom{N: 1, C: 512, M: 512, H: 28, W: 28}},
		{"64ch112x112", Geom{N: 1, C: 64, M: 64, H: 112, W: 112}},
	} {
		g := c.g
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.PT, g.PL, g.PB, g.PR = 1, 1, 1, 1
		g.OH, g.OW = g.H, g.W
		x := randSlice(r, g.C*g.H*g.W)
		wq, wf := quantWeights(r, g)
		bias := randSlice(r, g.M)
		y := make([]float32, g.M*g.OH*g.OW)
		pa := paths{tiles: gemm.DefaultTiles, winograd: true}
		for _, w := range []struct {
			name string
			w    Weights
		}{{"float32", Weights{F: wf}}, {"int8", wq}} {
			b.Run(c.name+"/"+w.name, func(b *testing.B) {
				forward(g, x, w.w, bias, y, true, 1, pa)
				for b.Loop() {
					forward(g, x, w.w, bias, y, true, 1, pa)
				}
			})
		}
	}
}
