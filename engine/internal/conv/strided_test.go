package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSubsampleMatchesIm2col: subsample, the im2col of strided 1x1 convs,
// gives im2col's matrix bit for bit on chunks that start and end inside
// output rows, at strides 2 (AVX-512's vector loop, rows of 16 or more
// outputs and shorter ones, odd and even widths) and 3, and with unequal
// strides, for 1 and 3 workers.
func TestSubsampleMatchesIm2col(t *testing.T) {
	r := rand.New(rand.NewPCG(101, 102))
	geoms := []Geom{
		{C: 8, H: 56, W: 56, SH: 2, SW: 2},   // ResNet-50 layer2.0.downsample's shape, fewer channels
		{C: 5, H: 57, W: 71, SH: 2, SW: 2},   // odd sizes: 29x36 outputs
		{C: 3, H: 14, W: 14, SH: 2, SW: 2},   // rows of 7: the scalar loop only
		{C: 4, H: 40, W: 97, SH: 3, SW: 3},   // stride 3
		{C: 2, H: 9, W: 70, SH: 1, SW: 2},    // stride in one axis
		{C: 300, H: 28, W: 28, SH: 2, SW: 2}, // enough to split over workers
	}
	for _, g := range geoms {
		g.N, g.M, g.KH, g.KW, g.DH, g.DW, g.Group = 1, 1, 1, 1, 1, 1, 1
		g.OH = OutSize(g.H, 0, 0, 1, g.SH, 1)
		g.OW = OutSize(g.W, 0, 0, 1, g.SW, 1)
		if !g.strided1x1() {
			t.Fatalf("%+v: not strided1x1", g)
		}
		x := randSlice(r, g.C*g.H*g.W)
		npix := g.OH * g.OW
		for _, chunk := range [][2]int{{0, npix}, {3, npix - 3}, {g.OW + 5, 2*g.OW + 1}} {
			p0, pc := chunk[0], min(chunk[1], npix-chunk[0])
			want := make([]float32, g.C*pc)
			im2col(g, x, nil, want, g.C, p0, pc, 1)
			for _, workers := range []int{1, 3} {
				got := make([]float32, g.C*pc)
				subsample(g, x, got, g.C, p0, pc, workers)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s p0=%d pc=%d workers=%d: col[%d] = %v, im2col %v", fmt.Sprintf("%dx%d s%dx%d", g.H, g.W, g.SH, g.SW), p0, pc, workers, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestPickStride: pickStride (AVX-512's stride-2 loop where the build has
// it) and pickStrideGeneric agree at every length around the vector width,
// with the source exactly as long as needed.
func TestPickStride(t *testing.T) {
	r := rand.New(rand.NewPCG(103, 104))
	for _, s := range []int{2, 3} {
		for n := 0; n <= 70; n++ {
			src := randSlice(r, max(0, (n-1)*s+1))
			want, got := make([]float32, n), make([]float32, n)
			pickStrideGeneric(want, src, s)
			pickStride(got, src, s)
			for j := range got {
				if got[j] != want[j] || want[j] != src[j*s] {
					t.Fatalf("stride %d n %d: dst[%d] = %v, generic %v, src %v", s, n, j, got[j], want[j], src[j*s])
				}
			}
		}
	}
}
