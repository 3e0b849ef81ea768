package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// TestWinogradPaddedInputSameBits: Winograd over maps of one tile block an
// image, whose input is copied with its padding written out (padInput),
// gives exactly the bits of the unpadded scalar transform, for every
// kernel, one and two workers, two images, padding 0, 1 and 2 (asymmetric
// too), odd sizes, and input with NaN, infinities and -0.
func TestWinogradPaddedInputSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	for _, c := range []struct{ h, w, pt, pl, pb, pr int }{
		{14, 14, 1, 1, 1, 1}, {13, 13, 1, 1, 1, 1}, {7, 7, 1, 1, 1, 1}, {15, 11, 0, 0, 0, 0},
		{9, 12, 2, 1, 0, 2}, {14, 14, 2, 2, 2, 2},
	} {
		g := Geom{N: 2, C: 17, M: 21, H: c.h, W: c.w, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Group: 1,
			PT: c.pt, PL: c.pl, PB: c.pb, PR: c.pr}
		g.OH, g.OW = OutSize(g.H, c.pt, c.pb, 3, 1, 1), OutSize(g.W, c.pl, c.pr, 3, 1, 1)
		x, bias := randSlice(r, g.N*g.C*g.H*g.W), randSlice(r, g.M)
		for i := 0; i < 6; i++ {
			x[r.IntN(len(x))] = special[r.IntN(len(special))]
		}
		w, _ := quantWeights(r, g)
		for _, kern := range gemm.Kernels() {
			want := make([]float32, g.N*g.M*g.OH*g.OW)
			vectorInput = false
			winograd(g, x, w, bias, want, true, 1, gemm.TilesFor(kern))
			vectorInput = true
			for _, workers := range []int{1, 2} {
				got := make([]float32, len(want))
				winograd(g, x, w, bias, got, true, workers, gemm.TilesFor(kern))
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%+v %s workers %d: y[%d] = %v, unpadded scalar %v", c, kern.Name, workers, i, got[i], want[i])
					}
				}
			}
		}
	}
}
