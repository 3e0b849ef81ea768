package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// TestWinogradMatchesNaive runs the Winograd path, with every GEMM kernel,
// against the direct reference on 3x3 stride-1 geometries: odd and even
// sizes (partial output tiles), asymmetric pads including none and more
// than 1, batch 2, and a size that needs several tile chunks. The error is
// measured relative to the output's largest magnitude and logged.
func TestWinogradMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	geoms := []Geom{
		{N: 1, C: 16, M: 16, H: 22, W: 24},
		{N: 2, C: 17, M: 20, H: 21, W: 21, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 32, M: 24, H: 23, W: 20, PT: 2, PL: 0, PB: 1, PR: 2},
		{N: 1, C: 64, M: 64, H: 56, W: 56, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 300, M: 16, H: 30, W: 29, PT: 1, PL: 1, PB: 1, PR: 1}, // several chunks
	}
	worst := 0.0
	for _, g := range geoms {
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, 3, 1, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, 3, 1, 1)
		if !useWinograd(g) {
			t.Fatalf("%+v does not take the Winograd path", g)
		}
		if tiles := (g.OH + 1) / 2 * ((g.OW + 1) / 2); g.C == 300 && tiles <= colBudget/(16*g.C) {
			t.Fatalf("%+v fits one chunk; the chunked case is not tested", g)
		}
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
				for _, workers := range []int{1, 3} {
					got := make([]float32, len(want))
					for j := range got {
						got[j] = float32(math.NaN()) // every element must be written
					}
					winograd(g, x, Weights{F: w}, bias, got, relu, workers, gemm.TilesFor(kern))
					for j := range got {
						e := math.Abs(float64(got[j]-want[j])) / scale
						if !(e <= 1e-5) {
							t.Fatalf("%+v relu=%v %s workers=%d: y[%d] = %v, naive %v", g, relu, kern.Name, workers, j, got[j], want[j])
						}
						worst = max(worst, e)
					}
				}
			}
		}
	}
	t.Logf("largest Winograd error: %.2g of the output's largest magnitude", worst)
}

// TestForwardUsesWinograd: Forward takes the Winograd path where it applies
// and falls back to im2col for the other 3x3 convs (stride 2, groups, few
// channels); all agree with the reference.
func TestForwardUsesWinograd(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, g := range []Geom{
		{N: 1, C: 16, M: 32, H: 22, W: 22, SH: 1, SW: 1, Group: 1},
		{N: 1, C: 16, M: 32, H: 22, W: 22, SH: 2, SW: 2, Group: 1},
		{N: 1, C: 32, M: 32, H: 22, W: 22, SH: 1, SW: 1, Group: 2},
		{N: 1, C: 3, M: 32, H: 22, W: 22, SH: 1, SW: 1, Group: 1},
	} {
		g.KH, g.KW, g.DH, g.DW = 3, 3, 1, 1
		g.PT, g.PL, g.PB, g.PR = 1, 1, 1, 1
		g.OH = OutSize(g.H, 1, 1, 3, g.SH, 1)
		g.OW = OutSize(g.W, 1, 1, 3, g.SW, 1)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		w := randSlice(r, g.M*g.C/g.Group*9)
		want, got := make([]float32, g.M*g.OH*g.OW), make([]float32, g.M*g.OH*g.OW)
		Naive(g, x, w, nil, want, true)
		Forward(g, x, Weights{F: w}, nil, got, true, 2)
		for j := range got {
			if d := math.Abs(float64(got[j] - want[j])); !(d <= 1e-4) {
				t.Fatalf("%+v (winograd %v): y[%d] = %v, naive %v", g, useWinograd(g), j, got[j], want[j])
			}
		}
	}
	if useWinograd(Geom{C: 16, M: 32, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Group: 1, OH: 30, OW: 30}) {
		t.Fatal("stride 2 takes the Winograd path")
	}
}

// TestWinogradKeptWeightsSameBits: the transformed kernels Prepack keeps
// (natively) give the bits of the transform done on every call, with every
// GEMM kernel and worker count; a kernel of another MR falls back to the
// per-call transform.
func TestWinogradKeptWeightsSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, g := range []Geom{
		{N: 2, C: 20, M: 18, H: 21, W: 19, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 64, M: 64, H: 30, W: 30, PT: 1, PL: 1, PB: 1, PR: 1},
	} {
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, 3, 1, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, 3, 1, 1)
		x := randSlice(r, g.N*g.C*g.H*g.W)
		wq, _ := quantWeights(r, g)
		bias := randSlice(r, g.M)
		for _, kern := range gemm.Kernels() {
			want := make([]float32, g.N*g.M*g.OH*g.OW)
			winograd(g, x, wq, bias, want, true, 1, gemm.TilesFor(kern))
			kept := wq
			kept.Packed = &gemm.PackedA{Ext: newWinogradWeights(wq, g.M, g.C, kern.MR)}
			other := wq
			other.Packed = &gemm.PackedA{Ext: newWinogradWeights(wq, g.M, g.C, kern.MR+1)}
			for _, w := range []Weights{kept, other} {
				for _, workers := range []int{1, 2} {
					got := make([]float32, len(want))
					winograd(g, x, w, bias, got, true, workers, gemm.TilesFor(kern))
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
							t.Fatalf("%+v %s workers=%d: y[%d] = %v with kept weights, %v without", g, kern.Name, workers, j, got[j], want[j])
						}
					}
				}
			}
		}
	}
}

// TestTransformWeightsVectorSameBits: the vector weight transform
// (transformSliver4) writes exactly the scalar code's values, float32 and
// int8 weights, slivers of 4, 8 and 32 rows, with a partial last sliver.
func TestTransformWeightsVectorSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	g := Geom{C: 13, M: 70, KH: 3, KW: 3, Group: 1}
	wq, wf := quantWeights(r, g)
	for _, w := range []Weights{wq, {F: wf}} {
		for _, mr := range []int{4, 32, 8} { // winograd's slivers, winogradTM's
			slivers := (g.M + mr - 1) / mr
			want, got := make([]float32, 16*slivers*mr*g.C), make([]float32, 16*slivers*mr*g.C)
			vectorWeights = false
			transformWeights(w, want, g.M, g.C, mr, 1)
			vectorWeights = true
			transformWeights(w, got, g.M, g.C, mr, 2)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("int8=%v mr %d: u[%d] = %v, scalar %v", w.Q != nil, mr, i, got[i], want[i])
				}
			}
		}
	}
}

// TestTransformInputVectorSameBits: transformInput with its four-tile
// vector path (transformInput4, amd64) writes exactly the scalar code's
// values, on maps whose tile rows are and are not multiples of four, with
// and without padding (border tiles stay scalar), every block of tiles
// (one that starts mid-row, a last partial one) and slivers of 32 and 8,
// on input with NaN, infinities and -0.
func TestTransformInputVectorSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	for _, c := range []struct{ h, w, pad int }{{56, 56, 1}, {14, 14, 1}, {13, 13, 1}, {28, 30, 0}, {17, 23, 1}, {9, 40, 0}} {
		g := Geom{C: 3, H: c.h, W: c.w, PT: c.pad, PL: c.pad, PB: c.pad, PR: c.pad, KH: 3, KW: 3}
		g.OH, g.OW = OutSize(g.H, c.pad, c.pad, 3, 1, 1), OutSize(g.W, c.pad, c.pad, 3, 1, 1)
		x := randSlice(r, g.C*g.H*g.W)
		for i := 0; i < 8; i++ {
			x[r.IntN(len(x))] = special[r.IntN(len(special))]
		}
		tilesY, tilesX := (g.OH+1)/2, (g.OW+1)/2
		tiles := tilesY * tilesX
		for _, nr := range []int{32, 8} {
			tb := 2 * nr
			for t0 := 0; t0 < tiles; t0 += tb {
				tc := min(tb, tiles-t0)
				plane := (tb/nr)*g.C*nr + 16
				want, got := make([]float32, 16*plane), make([]float32, 16*plane)
				vectorInput = false
				transformInput(g, x, want, plane, nr, t0, tc, tilesX)
				vectorInput = true
				transformInput(g, x, got, plane, nr, t0, tc, tilesX)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%dx%d pad %d nr %d block at tile %d: v[%d] = %v, scalar %v", c.h, c.w, c.pad, nr, t0, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestTransformOutputVectorSameBits: winograd with transformOutput's
// four-tile stores (storeOut4, amd64) gives exactly the bits of the scalar
// stores, on maps whose tile rows are and are not multiples of four, odd
// sizes (a last half tile), padding or none, with and without ReLU.
func TestTransformOutputVectorSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	// 8x8, 4x4 and 16x8: one quad of tiles a tile row, all of them taken
	// by winoOutStores4 in one call (WebAssembly); 12x12 a quad and a tail.
	for _, c := range []struct{ h, w, pad int }{{56, 56, 1}, {14, 14, 1}, {13, 13, 1}, {28, 30, 0}, {17, 23, 1}, {8, 8, 1}, {4, 4, 1}, {16, 8, 1}, {12, 12, 1}} {
		g := Geom{N: 1, C: 16, M: 20, H: c.h, W: c.w, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Group: 1,
			PT: c.pad, PL: c.pad, PB: c.pad, PR: c.pad}
		g.OH, g.OW = OutSize(g.H, c.pad, c.pad, 3, 1, 1), OutSize(g.W, c.pad, c.pad, 3, 1, 1)
		x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		for _, relu := range []bool{false, true} {
			want, got := make([]float32, g.M*g.OH*g.OW), make([]float32, g.M*g.OH*g.OW)
			vectorOutput = false
			winograd(g, x, w, bias, want, relu, 1, gemm.DefaultTiles)
			vectorOutput = true
			winograd(g, x, w, bias, got, relu, 1, gemm.DefaultTiles)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%dx%d pad %d relu %v: y[%d] = %v, scalar stores %v", c.h, c.w, c.pad, relu, i, got[i], want[i])
				}
			}
		}
	}
}

// TestWinoOutWideSameBits: winoOutWide (16 tiles a call, amd64 with
// AVX-512) writes each tile's outputs with winoOut's bits where the scalar
// stores (storeTiles) write them and nothing else: runs of 1 to 16 tiles
// from any tile, within a tile row or across rows, on planes with odd
// sizes (cut tiles at the right and bottom edges) and runs that end at the
// plane's end, on products with NaN, infinities and -0, with and without
// ReLU and bias.
func TestWinoOutWideSameBits(t *testing.T) {
	if !wideVectors() {
		t.Skip("no wide vectors in this build or on this CPU")
	}
	r := rand.New(rand.NewPCG(27, 28))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0}
	const plane = 37
	sentinel := float32(-12345)
	for _, c := range []struct{ oh, ow int }{{56, 56}, {28, 28}, {14, 14}, {13, 13}, {7, 9}, {5, 4}, {3, 31}, {17, 23}, {2, 8}} {
		tilesY, tilesX := (c.oh+1)/2, (c.ow+1)/2
		tiles := tilesY * tilesX
		for round := 0; round < 60; round++ {
			p := randSlice(r, 16*plane)
			for i := 0; i < 12; i++ {
				p[r.IntN(len(p))] = special[r.IntN(len(special))]
			}
			bv := float32(r.NormFloat64())
			if round%4 == 0 {
				bv = special[r.IntN(len(special))]
			}
			relu := round%2 == 0
			n := 1 + r.IntN(16)
			t0 := r.IntN(tiles)
			if round%5 == 0 {
				t0 = max(0, tiles-n) // a run ending at the plane's end
			}
			n = min(n, tiles-t0)
			got, want := make([]float32, c.oh*c.ow), make([]float32, c.oh*c.ow)
			for i := range got {
				got[i], want[i] = sentinel, sentinel
			}
			tx, ty := t0%tilesX, t0/tilesX
			winoOutWide(p, plane, bv, relu, got, c.oh, c.ow, tilesX, n, &tx, &ty)
			if wt := t0 + n; tx != wt%tilesX || ty != wt/tilesX {
				t.Fatalf("%dx%d tiles %d+%d: ends at tile (%d, %d), want (%d, %d)", c.oh, c.ow, t0, n, tx, ty, wt%tilesX, wt/tilesX)
			}
			vectorOutput = false
			rx, ry := t0%tilesX, t0/tilesX
			for k := 0; k < n; k++ {
				var ys [4][4]float32
				ys[0][0], ys[1][0], ys[2][0], ys[3][0] = winoOut(p[k:], plane, bv, relu)
				storeTiles(Geom{OH: c.oh, OW: c.ow}, want, &ys, 1, &rx, &ry, tilesX)
			}
			vectorOutput = true
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%dx%d tiles %d+%d relu %v: y[%d] = %v, scalar %v", c.oh, c.ow, t0, n, relu, i, got[i], want[i])
				}
			}
		}
	}
}

// TestPadInputWideSameBits: padInput with its AVX-512 rows (padRowWide)
// writes exactly the scalar copies and clears, over padded geometries as
// winograd and winogradTM lay them out (pads 0 to 2, maps whose padded
// rows are and are not multiples of 16 wide), on input with NaN,
// infinities and -0; and padRowWide alone for every pl from 0 to 16.
func TestPadInputWideSameBits(t *testing.T) {
	if !wideVectors() {
		t.Skip("no wide vectors in this build or on this CPU")
	}
	r := rand.New(rand.NewPCG(29, 30))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	sentinel := float32(-777)
	for _, c := range []struct{ h, w, pad int }{{56, 56, 1}, {28, 28, 1}, {14, 14, 1}, {13, 13, 1}, {7, 7, 1}, {9, 40, 0}, {17, 23, 2}, {3, 70, 1}} {
		g := Geom{C: 3, H: c.h, W: c.w, PT: c.pad, PL: c.pad, PB: c.pad, PR: c.pad, KH: 3, KW: 3}
		g.OH, g.OW = OutSize(g.H, c.pad, c.pad, 3, 1, 1), OutSize(g.W, c.pad, c.pad, 3, 1, 1)
		gp := padGeom(g, (g.OH+1)/2, (g.OW+1)/2)
		x := randSlice(r, g.C*g.H*g.W)
		for i := 0; i < 8; i++ {
			x[r.IntN(len(x))] = special[r.IntN(len(special))]
		}
		want, got := make([]float32, g.C*gp.H*gp.W), make([]float32, g.C*gp.H*gp.W)
		for i := range want {
			want[i], got[i] = sentinel, sentinel
		}
		vectorInput = false
		padInput(g, gp, x, want)
		vectorInput = true
		padInput(g, gp, x, got)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%dx%d pad %d: xp[%d] = %v, scalar %v", c.h, c.w, c.pad, i, got[i], want[i])
			}
		}
	}
	for pl := 0; pl <= 16; pl++ {
		for _, n := range []int{1, 5, 15, 16, 17, 31, 32, 33, 56} {
			for _, extra := range []int{0, 1, 2, 17} {
				src := randSlice(r, n)
				src[r.IntN(n)] = special[r.IntN(len(special))]
				row := make([]float32, pl+n+extra+3)
				for i := range row {
					row[i] = sentinel
				}
				padRowWide(row[:pl+n+extra], src, pl)
				for i, v := range row {
					want := sentinel
					switch {
					case i < pl || i >= pl+n && i < pl+n+extra:
						want = 0
					case i < pl+n:
						want = src[i-pl]
					}
					if math.Float32bits(v) != math.Float32bits(want) {
						t.Fatalf("pl %d n %d extra %d: row[%d] = %v, want %v", pl, n, extra, i, v, want)
					}
				}
			}
		}
	}
}
