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

// TestWinogradTMMatchesNaive: Winograd with tiles along the kernel's rows
// and int16 kernels (winogradTM) stays within float32 rounding of Naive
// over the dequantized weights, and gives the same bits for 1, 2 and 5
// workers and with either output transform (outputTM16's vectors or the
// scalar stores), for every kernel with NR > MR, with and without bias
// and ReLU, channels not multiples of NR or 4, odd maps, two images,
// int8 weights at their extremes (-128, 127: U' up to 1152).
func TestWinogradTMMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	taken := 0
	for _, c := range []struct{ c, m, h, w, pad int }{
		{64, 64, 7, 7, 1}, {40, 70, 14, 14, 1}, {17, 35, 9, 5, 1}, {33, 18, 8, 8, 0},
	} {
		g := Geom{N: 2, C: c.c, M: c.m, H: c.h, W: c.w, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Group: 1,
			PT: c.pad, PL: c.pad, PB: c.pad, PR: c.pad}
		g.OH, g.OW = OutSize(g.H, c.pad, c.pad, 3, 1, 1), OutSize(g.W, c.pad, c.pad, 3, 1, 1)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w, wf := quantWeights(r, g)
		for k := 0; k < 9; k++ { // one kernel at the extremes
			w.Q[k] = []int8{-128, 127}[k%2]
			wf[k] = float32(w.Q[k]) * w.Scales[0]
		}
		for _, kern := range gemm.Kernels() {
			if kern.NR <= kern.MR {
				continue
			}
			taken++
			tl := gemm.TilesFor(kern)
			ww := newWinogradTMWeights(w, g.M, g.C, kern.NR)
			for _, bias := range [][]float32{nil, randSlice(r, g.M)} {
				for _, relu := range []bool{false, true} {
					naive := make([]float32, g.N*g.M*g.OH*g.OW)
					Naive(g, x, wf, bias, naive, relu)
					var big float64
					for _, v := range naive {
						big = max(big, math.Abs(float64(v)))
					}
					var want []float32
					for _, workers := range []int{1, 2, 5} {
						for _, vo := range []bool{true, false} { // outputTM16 or transformOutputTM
							got := make([]float32, len(naive))
							for i := range got {
								got[i] = float32(math.NaN()) // every element must be written
							}
							vectorOutput = vo
							winogradTM(g, x, ww, bias, got, relu, workers, tl)
							vectorOutput = true
							if want == nil {
								want = got
								for i := range got {
									if d := math.Abs(float64(got[i] - naive[i])); !(d <= 1e-5*big) {
										t.Fatalf("%+v %s: y[%d] = %v, naive %v", c, kern.Name, i, got[i], naive[i])
									}
								}
								continue
							}
							for i := range got {
								if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
									t.Fatalf("%+v %s bias %v relu %v workers %d vector output %v: y[%d] = %v, one worker with vectors %v", c, kern.Name, bias != nil, relu, workers, vo, i, got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
	if taken == 0 {
		t.Skip("no kernel of this build has NR > MR: winogradTM never runs")
	}
}

// TestWinogradTMTallTilesSameBits: winogradTM taking the kernel's taller
// tiles (TileTriple, TilePair) over three or two tile slivers at a time
// gives the bits of its kernel's Fn sliver by sliver, for tile sliver
// counts 1 to 13 (one sliver left over, four as two pairs, triples then
// pairs) and depths below and past a KC slice.
func TestWinogradTMTallTilesSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	taken := 0
	for _, c := range []struct{ c, m, h, w int }{
		{16, 32, 3, 3}, {24, 40, 5, 5}, {33, 32, 3, 7}, {64, 64, 7, 7}, {20, 33, 6, 10}, {8, 32, 11, 11}, {300, 40, 14, 14}, {40, 64, 13, 13},
	} {
		g := Geom{N: 1, C: c.c, M: c.m, H: c.h, W: c.w, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Group: 1, PT: 1, PL: 1, PB: 1, PR: 1}
		g.OH, g.OW = OutSize(g.H, 1, 1, 3, 1, 1), OutSize(g.W, 1, 1, 3, 1, 1)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w, _ := quantWeights(r, g)
		bias := randSlice(r, g.M)
		for _, kern := range gemm.Kernels() {
			if kern.NR <= kern.MR || kern.TilePair == nil {
				continue
			}
			taken++
			fnOnly := kern
			fnOnly.TilePair, fnOnly.TileTriple = nil, nil
			ww := newWinogradTMWeights(w, g.M, g.C, kern.NR)
			want := make([]float32, g.M*g.OH*g.OW)
			got := make([]float32, len(want))
			winogradTM(g, x, ww, bias, want, true, 1, gemm.TilesFor(fnOnly))
			for _, workers := range []int{1, 2} {
				winogradTM(g, x, ww, bias, got, true, workers, gemm.TilesFor(kern))
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%+v %s workers %d: y[%d] = %v, Fn alone %v", c, kern.Name, workers, i, got[i], want[i])
					}
				}
			}
		}
	}
	if taken == 0 {
		t.Skip("no kernel of this build has tall tiles: nothing to compare")
	}
}

// TestForwardWinogradTM: natively, a 3x3 stride-1 conv on a 7x7 map with
// its weights as Prepack keeps them goes through winogradTM (Forward and
// ForwardAdd give its bits for 1 and 2 workers), and RowBand cuts it into
// no band but the whole.
func TestForwardWinogradTM(t *testing.T) {
	b := Build()
	g := Geom{N: 1, C: 48, M: 40, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Group: 1, PT: 1, PL: 1, PB: 1, PR: 1, OH: 7, OW: 7}
	if b.Wasm || !useWinogradTM(g, b.Kernel) {
		t.Skipf("winogradTM does not serve this build (wasm %v, kernel %s)", b.Wasm, b.Kernel.Name)
	}
	if l := LayoutFor(g, b); l != WinogradTiles {
		t.Fatalf("LayoutFor = %d, want WinogradTiles", l)
	}
	r := rand.New(rand.NewPCG(47, 48))
	x, bias, res := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M), randSlice(r, g.M*g.OH*g.OW)
	w, _ := quantWeights(r, g)
	kept := w
	kept.Packed = Prepack(g, w)
	want := make([]float32, g.M*g.OH*g.OW)
	winogradTM(g, x, kept.winogradTM(), bias, want, false, 1, gemm.DefaultTiles)
	wantAdd := make([]float32, len(want))
	copy(wantAdd, want)
	vecAddRelu(wantAdd, res)
	for _, workers := range []int{1, 2} {
		got, gotAdd := make([]float32, len(want)), make([]float32, len(want))
		Forward(g, x, kept, bias, got, false, workers)
		ForwardAdd(g, x, kept, bias, res, gotAdd, true, workers)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.Float32bits(gotAdd[i]) != math.Float32bits(wantAdd[i]) {
				t.Fatalf("workers %d: y[%d] = %v (with residual %v), winogradTM %v (%v)", workers, i, got[i], gotAdd[i], want[i], wantAdd[i])
			}
		}
	}
	// Not cut into bands (RowBand): only the whole, which keeps the bits.
	for _, rr := range [][2]int{{0, 4}, {4, 7}, {0, 3}} {
		if _, ok := RowBand(g, rr[0], rr[1]); ok {
			t.Errorf("RowBand(%d, %d) accepted a band of a winogradTM conv", rr[0], rr[1])
		}
	}
	band, ok := RowBand(g, 0, g.OH)
	if !ok {
		t.Fatalf("RowBand(0, %d), the whole, refused", g.OH)
	}
	got := make([]float32, len(want))
	Forward(band.G, x, kept, bias, got, false, 1)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("whole band: y[%d] = %v, whole %v", i, got[i], want[i])
		}
	}
}

// vecAddRelu is y = ReLU(y + res), as ForwardAdd's second pass makes it.
func vecAddRelu(y, res []float32) {
	for i := range y {
		v := y[i] + res[i]
		if v < 0 {
			v = 0
		}
		y[i] = v
	}
}
