package conv

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"convscope/engine/gemm"
	"convscope/internal/cputime"
)

// TestFloatPanelsSameBits: convs that keep float panels (pointwise,
// im2col and strided, with and without bias and ReLU, k over several KC
// slices, channels and pixels not multiples of the tiles, batch 2) give
// exactly the bits of the int8 weights packed on every call, for every
// kernel and any number of workers, and stay within rounding of Naive.
func TestFloatPanelsSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	geoms := []Geom{
		{N: 1, C: 64, M: 64, H: 7, W: 7, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1},                  // 576 deep: 3 KC slices
		{N: 2, C: 300, M: 70, H: 7, W: 7, KH: 1, KW: 1},                                             // pointwise, rows past a sliver
		{N: 1, C: 40, M: 96, H: 8, W: 8, KH: 1, KW: 1},                                              // 64 pixels
		{N: 1, C: 32, M: 128, H: 13, W: 13, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}, // strided: 49 pixels
		{N: 1, C: 48, M: 512, H: 14, W: 14, KH: 1, KW: 1, SH: 2, SW: 2},                             // strided 1x1, taller than wide
		{N: 1, C: 16, M: 33, H: 5, W: 3, KH: 1, KW: 1},                                              // 15 pixels
	}
	for _, g := range geoms {
		g.Group = 1
		g.SH, g.SW, g.DH, g.DW = max(g.SH, 1), max(g.SW, 1), 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, 1)
		if !useFloatPanels(g) {
			t.Fatalf("%+v does not keep float panels", g)
		}
		k := g.C * g.KH * g.KW
		x := randSlice(r, g.N*g.C*g.H*g.W)
		wq, wf := quantWeights(r, g)
		for _, kern := range gemm.Kernels() {
			pa := paths{tiles: gemm.TilesFor(kern)}
			pw := wq
			pw.Packed = gemm.PackInt8A(pa.tiles, wq.Q, wq.Scales, k, g.M, k)
			pw.Packed.KeepFloat(pa.tiles)
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
								t.Fatalf("%+v %s bias=%v relu=%v workers=%d: y[%d] = %v float panels, %v int8", g, kern.Name, bias != nil, relu, workers, j, got[j], want[j])
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
}

// TestUseFloatPanels pins which layers keep float panels.
func TestUseFloatPanels(t *testing.T) {
	for _, c := range []struct {
		g    Geom
		want bool
	}{
		{Geom{C: 512, M: 512, KH: 3, KW: 3, OH: 7, OW: 7, Group: 1}, true},     // ResNet layer4 (3x3 s1 takes winogradTM first)
		{Geom{C: 2048, M: 512, KH: 1, KW: 1, OH: 7, OW: 7, Group: 1}, true},    // ResNet-50 layer4 1x1
		{Geom{C: 832, M: 48, KH: 1, KW: 1, OH: 7, OW: 7, Group: 1}, true},      // GoogLeNet 5b
		{Geom{C: 1024, M: 256, KH: 1, KW: 1, OH: 14, OW: 14, Group: 1}, false}, // 14x14
		{Geom{C: 64, M: 64, KH: 3, KW: 3, OH: 56, OW: 56, Group: 1}, false},    // many pixels
		{Geom{C: 512, M: 512, KH: 3, KW: 3, OH: 7, OW: 7, Group: 2}, false},    // groups
	} {
		if got := useFloatPanels(c.g); got != c.want {
			t.Errorf("%+v: useFloatPanels = %v, want %v", c.g, got, c.want)
		}
	}
}

// BenchmarkFloatPanels runs the GEMM convs with few pixels of ResNet-18/50
// and GoogLeNet with their int8 panels (dequantized on every call) and
// float panels, one and two workers, default kernel, with bias and ReLU:
// GFLOP/s of the conv's 2*M*K*pixels and cpu-ms per op (what counts on a
// busy machine: the CPU time of all threads).
func BenchmarkFloatPanels(b *testing.B) {
	tiles := gemm.DefaultTiles
	for _, cc := range []struct {
		name string
		g    Geom
		s    int
	}{
		{"1x1_2048to512_7x7", Geom{C: 2048, M: 512, H: 7, W: 7, KH: 1, KW: 1}, 1}, // ResNet-50 layer4
		{"1x1_512to2048_7x7", Geom{C: 512, M: 2048, H: 7, W: 7, KH: 1, KW: 1}, 1},
		{"1x1s2_1024to2048_14x14", Geom{C: 1024, M: 2048, H: 14, W: 14, KH: 1, KW: 1}, 2},
		{"3x3s2_512to512_14x14", Geom{C: 512, M: 512, H: 14, W: 14, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1}, 2},
		{"3x3s2_256to512_14x14", Geom{C: 256, M: 512, H: 14, W: 14, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1}, 2}, // ResNet-18 layer4
		{"1x1s2_256to512_14x14", Geom{C: 256, M: 512, H: 14, W: 14, KH: 1, KW: 1}, 2},
		{"1x1_832to384_7x7", Geom{C: 832, M: 384, H: 7, W: 7, KH: 1, KW: 1}, 1}, // GoogLeNet 5b
		{"1x1_832to256_7x7", Geom{C: 832, M: 256, H: 7, W: 7, KH: 1, KW: 1}, 1},
		{"1x1_832to160_7x7", Geom{C: 832, M: 160, H: 7, W: 7, KH: 1, KW: 1}, 1},
		{"1x1_832to128_7x7", Geom{C: 832, M: 128, H: 7, W: 7, KH: 1, KW: 1}, 1},
		{"1x1_832to48_7x7", Geom{C: 832, M: 48, H: 7, W: 7, KH: 1, KW: 1}, 1},
		{"1x1_832to32_7x7", Geom{C: 832, M: 32, H: 7, W: 7, KH: 1, KW: 1}, 1},
	} {
		g := cc.g
		g.N, g.Group, g.SH, g.SW, g.DH, g.DW = 1, 1, cc.s, cc.s, 1, 1
		g.OH, g.OW = OutSize(g.H, g.PT, g.PB, g.KH, cc.s, 1), OutSize(g.W, g.PL, g.PR, g.KW, cc.s, 1)
		r := rand.New(rand.NewPCG(1, 2))
		x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		y := make([]float32, g.M*g.OH*g.OW)
		k := g.C * g.KH * g.KW
		flops := 2 * float64(g.M*k*g.OH*g.OW)
		for _, alg := range []string{"int8", "float", "int8/w2", "float/w2"} {
			b.Run(cc.name+"/"+alg, func(b *testing.B) {
				w := w
				w.Packed = gemm.PackInt8A(tiles, w.Q, w.Scales, k, g.M, k)
				if strings.HasPrefix(alg, "float") {
					w.Packed.KeepFloat(tiles)
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
