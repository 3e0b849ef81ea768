package conv

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"convscope/engine/gemm"
	"convscope/internal/cputime"
)

// TestPixelMajorSameBits: convs that take the pixel-major GEMM (pointwise
// and im2col, with and without bias and ReLU, k over several KC slices,
// channels and pixels not multiples of the tiles, batch 2) give exactly
// the bits of the usual GEMM path, for every kernel it serves and any
// number of workers, and stay within rounding of Naive.
func TestPixelMajorSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	geoms := []Geom{
		{N: 1, C: 64, M: 64, H: 7, W: 7, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1},                  // 576 deep: 3 KC slices
		{N: 2, C: 300, M: 70, H: 7, W: 7, KH: 1, KW: 1},                                             // pointwise, channels past a sliver
		{N: 1, C: 40, M: 96, H: 14, W: 14, KH: 1, KW: 1},                                            // 196 pixels
		{N: 1, C: 32, M: 128, H: 13, W: 13, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}, // strided: 49 pixels
		{N: 1, C: 16, M: 33, H: 5, W: 3, KH: 1, KW: 1},                                              // 15 pixels
	}
	taken := 0
	for _, g := range geoms {
		g.Group = 1
		g.SH, g.SW, g.DH, g.DW = max(g.SH, 1), max(g.SW, 1), 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, 1)
		k := g.C * g.KH * g.KW
		x := randSlice(r, g.N*g.C*g.H*g.W)
		wq, wf := quantWeights(r, g)
		for _, kern := range gemm.Kernels() {
			if !usePixelMajor(g, kern) {
				continue
			}
			taken++
			pa := paths{tiles: gemm.TilesFor(kern)}
			pw := wq
			pw.Packed = &gemm.PackedA{Ext: newPixelMajorWeights(wq, g.M, k, kern.NR)}
			for _, bias := range [][]float32{nil, randSlice(r, g.M)} {
				for _, relu := range []bool{false, true} {
					want := make([]float32, g.N*g.M*g.OH*g.OW)
					forward(g, x, wq, bias, want, relu, 1, pa)
					naive := make([]float32, len(want))
					Naive(g, x, wf, bias, naive, relu)
					for _, workers := range []int{1, 2, 5} {
						got := make([]float32, len(want))
						for j := range got {
							got[j] = float32(math.NaN()) // every element must be written
						}
						forward(g, x, pw, bias, got, relu, workers, pa)
						for j := range got {
							if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
								t.Fatalf("%+v %s bias=%v relu=%v workers=%d: y[%d] = %v pixel-major, %v usual", g, kern.Name, bias != nil, relu, workers, j, got[j], want[j])
							}
							if d := math.Abs(float64(got[j] - naive[j])); !(d <= 1e-4) {
								t.Fatalf("%+v %s: y[%d] = %v, naive %v", g, kern.Name, j, got[j], naive[j])
							}
						}
					}
				}
			}
		}
	}
	if taken == 0 {
		t.Skip("no kernel of this build has NR > MR (the generic 4x2 only): the pixel-major path never runs")
	}
}

// TestUsePixelMajor pins which layers take the path with a 4x32 kernel.
func TestUsePixelMajor(t *testing.T) {
	kern := gemm.Kernel{MR: 4, NR: 32}
	for _, c := range []struct {
		g    Geom
		want bool
	}{
		{Geom{C: 512, M: 512, KH: 3, KW: 3, OH: 7, OW: 7, Group: 1}, true},     // ResNet layer4
		{Geom{C: 2048, M: 512, KH: 1, KW: 1, OH: 7, OW: 7, Group: 1}, true},    // ResNet-50 layer4 1x1
		{Geom{C: 1024, M: 256, KH: 1, KW: 1, OH: 14, OW: 14, Group: 1}, false}, // 14x14: scratch past L1
		{Geom{C: 64, M: 64, KH: 3, KW: 3, OH: 56, OW: 56, Group: 1}, false},    // many pixels
		{Geom{C: 832, M: 48, KH: 1, KW: 1, OH: 7, OW: 7, Group: 1}, false},     // 48 channels: 64 wide
		{Geom{C: 512, M: 512, KH: 3, KW: 3, OH: 7, OW: 7, Group: 2}, false},    // groups
	} {
		if got := usePixelMajor(c.g, kern); got != c.want {
			t.Errorf("%+v: usePixelMajor = %v, want %v", c.g, got, c.want)
		}
	}
}

// BenchmarkPixelMajor runs layers with few pixels through the usual GEMM
// (int8 weights prepacked) and the pixel-major one (weights kept float32),
// one worker (and pixel-major on two: the CPU time of both threads),
// default kernel, with bias and ReLU: GFLOP/s of the conv's
// 2*M*K*pixels and cpu-ms per op (what counts on a busy machine).
func BenchmarkPixelMajor(b *testing.B) {
	tiles := gemm.DefaultTiles
	for _, cc := range []struct {
		name string
		g    Geom
	}{
		{"3x3_512to512_7x7", Geom{C: 512, M: 512, H: 7, W: 7, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1}}, // ResNet layer4
		{"1x1_2048to512_7x7", Geom{C: 2048, M: 512, H: 7, W: 7, KH: 1, KW: 1}},                           // ResNet-50 layer4
		{"1x1_1024to256_14x14", Geom{C: 1024, M: 256, H: 14, W: 14, KH: 1, KW: 1}},                       // ResNet-50 layer3
		{"1x1_832to384_7x7", Geom{C: 832, M: 384, H: 7, W: 7, KH: 1, KW: 1}},                             // GoogLeNet 5b
		{"1x1_528to256_14x14", Geom{C: 528, M: 256, H: 14, W: 14, KH: 1, KW: 1}},                         // GoogLeNet 4e
	} {
		g := cc.g
		g.N, g.Group, g.SH, g.SW, g.DH, g.DW = 1, 1, 1, 1, 1, 1
		g.OH, g.OW = OutSize(g.H, g.PT, g.PB, g.KH, 1, 1), OutSize(g.W, g.PL, g.PR, g.KW, 1, 1)
		if !usePixelMajor(g, tiles.Kernel) {
			b.Logf("%s: the default kernel %s does not take the pixel-major path", cc.name, tiles.Kernel.Name)
			continue
		}
		r := rand.New(rand.NewPCG(1, 2))
		x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		y := make([]float32, g.M*g.OH*g.OW)
		k := g.C * g.KH * g.KW
		flops := 2 * float64(g.M*k*g.OH*g.OW)
		for _, alg := range []string{"usual", "pixelmajor", "pixelmajor/w2"} {
			b.Run(cc.name+"/"+alg, func(b *testing.B) {
				w := w
				if alg == "usual" {
					w.Packed = gemm.PackInt8A(tiles, w.Q, w.Scales, k, g.M, k)
				} else {
					w.Packed = &gemm.PackedA{Ext: newPixelMajorWeights(w, g.M, k, tiles.Kernel.NR)}
				}
				workers := 1
				if strings.HasSuffix(alg, "/w2") {
					workers = 2
				}
				pa := paths{tiles: tiles}
				forward(g, x, w, bias, y, true, workers, pa)
				b.ResetTimer()
				cpu0 := cputime.Seconds()
				for b.Loop() {
					forward(g, x, w, bias, y, true, workers, pa)
				}
				cpu := cputime.Seconds() - cpu0
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// TestTransposeStore: transposeStore writes y[j*ldy+px] = ct[px*nr+j] for
// every pixel and channel, the bits moved as they are (NaN, -0
// included), and nothing else of y: full 16x16 blocks and the tails on
// both sides, row strides above the row length.
func TestTransposeStore(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, nr := range []int{32, 64} {
		for _, rows := range []int{1, 15, 16, 17, 49, 52, 196, 784} {
			for _, mc := range []int{1, 15, 16, 17, 31, nr} {
				if mc > nr {
					continue
				}
				for _, ldy := range []int{rows, rows + 3} {
					ct := randSlice(r, rows*nr)
					ct[r.IntN(len(ct))] = float32(math.NaN())
					ct[r.IntN(len(ct))] = float32(math.Copysign(0, -1))
					y := make([]float32, mc*ldy+5)
					const sentinel = 12345.5
					for i := range y {
						y[i] = sentinel
					}
					if !transposeStore(ct, y, rows, nr, mc, ldy) {
						t.Skip("no vector transposeStore in this build")
					}
					for i, v := range y {
						j, px := i/ldy, i%ldy
						want := float32(sentinel)
						if j < mc && px < rows {
							want = ct[px*nr+j]
						}
						if math.Float32bits(v) != math.Float32bits(want) {
							t.Fatalf("nr %d rows %d mc %d ldy %d: y[%d] (channel %d, pixel %d) = %v, want %v", nr, rows, mc, ldy, i, j, px, v, want)
						}
					}
				}
			}
		}
	}
}

// BenchmarkTransposeStore moves ResNet-18 layer2.0.conv1's scratch (784
// pixels by 128 channels, two slabs of 64) into its output, as directChan's
// storeBiasRelu does after the bias and ReLU.
func BenchmarkTransposeStore(b *testing.B) {
	const npix, nr = 784, 64
	ct := randSlice(rand.New(rand.NewPCG(35, 36)), npix*nr)
	y := make([]float32, 2*nr*npix)
	if !transposeStore(ct, y, npix, nr, nr, npix) {
		b.Skip("no vector transposeStore in this build")
	}
	for b.Loop() {
		transposeStore(ct, y, npix, nr, nr, npix)
		transposeStore(ct, y[nr*npix:], npix, nr, nr, npix)
	}
}
