package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPointwiseRows: PointwiseRows writes rows [r0, r1) of a 1x1 conv's
// output with the bits of Forward (ForwardAdd with a residual) over the
// whole conv, and nothing else; float32, int8 and prepacked int8 weights,
// with and without bias, residual and ReLU, bands of one row to all, at
// the edges and inside, maps of few and many pixels. Other convs are
// refused.
func TestPointwiseRows(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 11))
	for _, s := range []struct{ c, m, h, w int }{{64, 40, 14, 14}, {16, 72, 9, 13}, {300, 24, 7, 7}, {8, 256, 28, 28}} {
		g := Geom{N: 1, C: s.c, M: s.m, H: s.h, W: s.w, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, OH: s.h, OW: s.w, Group: 1}
		x := randSlice(r, s.c*s.h*s.w)
		wq, wf := quantWeights(r, g)
		packed := wq
		packed.Packed = Prepack(g, wq)
		bias := randSlice(r, s.m)
		res := randSlice(r, s.m*s.h*s.w)
		n := s.m * s.h * s.w
		for wi, w := range []Weights{{F: wf}, wq, packed} {
			for _, b := range []bool{false, true} {
				for _, withRes := range []bool{false, true} {
					for _, relu := range []bool{false, true} {
						bs, rs := bias, res
						if !b {
							bs = nil
						}
						if !withRes {
							rs = nil
						}
						want := make([]float32, n)
						if rs != nil {
							ForwardAdd(g, x, w, bs, rs, want, relu, 1)
						} else {
							Forward(g, x, w, bs, want, relu, 1)
						}
						for _, band := range [][2]int{{0, s.h}, {0, 1}, {s.h - 1, s.h}, {1, s.h/2 + 1}, {s.h / 2, s.h}} {
							got := make([]float32, n+1)
							for i := range got {
								got[i] = -7
							}
							if !PointwiseRows(g, x, w, bs, rs, got[:n], band[0], band[1], relu, 1+band[0]%2) {
								t.Fatalf("%v: refused", s)
							}
							for m := range s.m {
								for p := range s.h * s.w {
									i := m*s.h*s.w + p
									in := p/s.w >= band[0] && p/s.w < band[1]
									if in && math.Float32bits(got[i]) != math.Float32bits(want[i]) || !in && got[i] != -7 {
										t.Fatalf("%v weights %d bias %v res %v relu %v rows %v: channel %d pixel %d: %v, want %v", s, wi, b, withRes, relu, band, m, p, got[i], want[i])
									}
								}
							}
							if got[n] != -7 {
								t.Fatalf("%v: wrote past the output", s)
							}
						}
					}
				}
			}
		}
	}
	g := Geom{N: 1, C: 8, M: 8, H: 9, W: 9, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PB: 1, PL: 1, PR: 1, OH: 9, OW: 9, Group: 1}
	if PointwiseRows(g, nil, Weights{}, nil, nil, nil, 0, 9, false, 1) {
		t.Error("a 3x3 conv was taken")
	}
}
