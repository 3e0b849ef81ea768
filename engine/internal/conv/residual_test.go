package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// TestForwardAddSameBits: ForwardAdd gives exactly the bits of Forward
// without the ReLU followed by the residual Add and the ReLU as separate
// passes, on every path a conv can take (im2col + GEMM, chunked, strided
// phases, pointwise, grouped, depthwise, Winograd, float panels), with
// and without bias and ReLU, batch 2 and any number of workers; and it
// writes nothing past its output.
func TestForwardAddSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(95, 96))
	geoms := []Geom{
		{N: 2, C: 5, M: 7, H: 9, W: 11, KH: 3, KW: 2, SH: 2, SW: 1, PT: 1, PB: 0, PL: 1, PR: 1, Group: 1},    // im2col
		{N: 1, C: 3, M: 8, H: 31, W: 31, KH: 7, KW: 7, SH: 2, SW: 2, PT: 3, PB: 3, PL: 3, PR: 3, Group: 1},   // phases
		{N: 1, C: 130, M: 3, H: 90, W: 91, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PB: 1, PL: 1, PR: 1, Group: 1}, // chunked
		{N: 2, C: 64, M: 40, H: 14, W: 14, KH: 1, KW: 1, SH: 1, SW: 1, Group: 1},                             // pointwise
		{N: 1, C: 6, M: 6, H: 10, W: 9, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PB: 1, PL: 1, PR: 1, Group: 6},    // depthwise
		{N: 2, C: 8, M: 6, H: 9, W: 9, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PB: 1, PL: 1, PR: 1, Group: 2},     // grouped GEMM
		{N: 1, C: 32, M: 20, H: 16, W: 16, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PB: 1, PL: 1, PR: 1, Group: 1}, // Winograd
		{N: 1, C: 64, M: 64, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PB: 1, PL: 1, PR: 1, Group: 1},   // float panels (native)
		{N: 1, C: 300, M: 70, H: 7, W: 7, KH: 1, KW: 1, SH: 1, SW: 1, Group: 1},                              // float panels pointwise
	}
	winogradSeen := false
	for _, g := range geoms {
		g.DH, g.DW = 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, 1)
		winogradSeen = winogradSeen || useWinograd(g)
		k := g.C / g.Group * g.KH * g.KW
		x := randSlice(r, g.N*g.C*g.H*g.W)
		wq, _ := quantWeights(r, g)
		for _, kern := range gemm.Kernels() {
			pa := paths{tiles: gemm.TilesFor(kern), winograd: true}
			w := wq
			if g.Group == 1 && useFloatPanels(g) {
				w.Packed = gemm.PackInt8A(pa.tiles, wq.Q, wq.Scales, k, g.M, k)
				w.Packed.KeepFloat(pa.tiles)
			}
			for _, bias := range [][]float32{nil, randSlice(r, g.M)} {
				for _, relu := range []bool{false, true} {
					n := g.N * g.M * g.OH * g.OW
					res := randSlice(r, n)
					want := make([]float32, n)
					forward(g, x, w, bias, want, false, 1, pa)
					for i := range want {
						v := want[i] + res[i]
						if relu && v < 0 {
							v = 0
						}
						want[i] = v
					}
					for _, workers := range []int{1, 3} {
						got := make([]float32, n+5) // every element is written; the 5 past the end stay 7
						for j := range got {
							got[j] = float32(math.NaN())
							if j >= n {
								got[j] = 7
							}
						}
						forwardAdd(g, x, w, bias, append(res, 1, 1, 1, 1, 1), got, relu, workers, pa)
						for j := range want {
							if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
								t.Fatalf("%+v %s bias=%v relu=%v workers=%d: y[%d] = %v, separate passes %v", g, kern.Name, bias != nil, relu, workers, j, got[j], want[j])
							}
						}
						for j := n; j < len(got); j++ {
							if got[j] != 7 {
								t.Fatalf("%+v %s: wrote y[%d] past the output", g, kern.Name, j)
							}
						}
					}
				}
			}
		}
	}
	if !winogradSeen {
		t.Fatal("no geometry takes Winograd: the test lost a path")
	}
}
