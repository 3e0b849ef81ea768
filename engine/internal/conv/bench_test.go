package conv

import (
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
	"convscope/internal/cputime"
)

// convCases are the benchmark layers: ResNet's first-stage 3x3 conv (the
// engine's BenchmarkConv3x3 shape, 231 MFLOP) and a late-stage one.
var convCases = []struct {
	name string
	g    Geom
}{
	{"3x3_64to64_56x56", Geom{N: 1, C: 64, M: 64, H: 56, W: 56}},
	{"3x3_128to128_28x28", Geom{N: 1, C: 128, M: 128, H: 28, W: 28}},
	{"3x3_256to256_14x14", Geom{N: 1, C: 256, M: 256, H: 14, W: 14}},
	{"3x3_64to192_56x56", Geom{N: 1, C: 64, M: 192, H: 56, W: 56}},   // GoogLeNet conv2
	{"3x3_96to128_28x28", Geom{N: 1, C: 96, M: 128, H: 28, W: 28}},   // GoogLeNet 3a
	{"3x3_160to320_14x14", Geom{N: 1, C: 160, M: 320, H: 14, W: 14}}, // GoogLeNet 4e
	{"3x3_512to512_14x14", Geom{N: 1, C: 512, M: 512, H: 14, W: 14}}, // VGG16 conv5
	{"3x3_512to512_7x7", Geom{N: 1, C: 512, M: 512, H: 7, W: 7}},     // ResNet-18 layer4
	{"3x3_64to64_224x224", Geom{N: 1, C: 64, M: 64, H: 224, W: 224}}, // VGG16 conv1_2
	{"3x3_192to384_13x13", Geom{N: 1, C: 192, M: 384, H: 13, W: 13}}, // AlexNet features.6
	{"3x3_384to256_13x13", Geom{N: 1, C: 384, M: 256, H: 13, W: 13}}, // AlexNet features.8
	{"3x3_256to256_13x13", Geom{N: 1, C: 256, M: 256, H: 13, W: 13}}, // AlexNet features.10
}

// benchPaths lists every (kernel, algorithm) pair, so one benchmark run
// compares them side by side.
func benchPaths() (names []string, ps []paths) {
	for _, kern := range gemm.Kernels() {
		for _, wino := range []bool{false, true} {
			alg := "im2col"
			if wino {
				alg = "winograd"
			}
			names = append(names, kern.Name+"/"+alg)
			ps = append(ps, paths{tiles: gemm.TilesFor(kern), winograd: wino})
		}
	}
	return names, ps
}

// BenchmarkConv3x3 runs 3x3 pad-1 stride-1 convs with bias and ReLU on one
// worker through each kernel and algorithm (Winograd even where
// useWinograd would pick im2col), with int8 weights as a model file holds
// them, reporting GFLOP/s of the direct algorithm (2*M*C*9*OH*OW, whatever
// the algorithm actually computes), and the CPU time per op (Linux), what
// counts on a machine busy with other work.
func BenchmarkConv3x3(b *testing.B) {
	names, ps := benchPaths()
	for _, cc := range convCases {
		g := cc.g
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.PT, g.PL, g.PB, g.PR = 1, 1, 1, 1
		g.OH, g.OW = g.H, g.W
		r := rand.New(rand.NewPCG(1, 2))
		x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		y := make([]float32, g.M*g.OH*g.OW)
		flops := 2 * float64(g.M*g.C*9*g.OH*g.OW)
		for i, pa := range ps {
			b.Run(cc.name+"/"+names[i], func(b *testing.B) {
				// Untimed warm-up: WebAssembly runs baseline code first.
				// The weights as Compile leaves them: packed for the GEMM,
				// or (natively) transformed once for Winograd.
				w := w
				if pa.winograd && keepWinogradWeights(g.M, g.C, Build().Wasm) {
					w.Packed = &gemm.PackedA{Ext: newWinogradWeights(w, g.M, g.C, pa.tiles.Kernel.MR)}
				} else if !pa.winograd {
					w.Packed = gemm.PackInt8A(pa.tiles, w.Q, w.Scales, g.C*9, g.M, g.C*9)
				}
				run := func() {
					if pa.winograd {
						winograd(g, x, w, bias, y, true, 1, pa.tiles)
					} else {
						forward(g, x, w, bias, y, true, 1, pa)
					}
				}
				run()
				b.ResetTimer()
				cpu0 := cputime.Seconds()
				for b.Loop() {
					run()
				}
				cpu := cputime.Seconds() - cpu0
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
			})
		}
		// F(4x4) (winograd4.go) with the default kernel, its kernels
		// kept, where the maps are not too small for its 4x4 tiles.
		if g.OH < 13 {
			continue
		}
		b.Run(cc.name+"/"+gemm.DefaultTiles.Kernel.Name+"/winograd4", func(b *testing.B) {
			ww := newWinograd4Weights(w, g.M, g.C, gemm.DefaultTiles.Kernel.MR)
			winograd4(g, x, ww, bias, y, true, 1, gemm.DefaultTiles)
			b.ResetTimer()
			cpu0 := cputime.Seconds()
			for b.Loop() {
				winograd4(g, x, ww, bias, y, true, 1, gemm.DefaultTiles)
			}
			cpu := cputime.Seconds() - cpu0
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkIm2col times im2col alone on strided first layers (ResNet's 7x7
// stride 2, AlexNet's 11x11 stride 4), a strided 3x3 and padded stride-1
// layers, one worker, one colBudget-sized chunk of output pixels.
func BenchmarkIm2col(b *testing.B) {
	for _, cc := range []struct {
		name string
		g    Geom
	}{
		{"7x7s2_3ch_224", Geom{N: 1, C: 3, M: 64, H: 224, W: 224, KH: 7, KW: 7, SH: 2, SW: 2, PT: 3, PL: 3, PB: 3, PR: 3}},
		{"11x11s4_3ch_224", Geom{N: 1, C: 3, M: 64, H: 224, W: 224, KH: 11, KW: 11, SH: 4, SW: 4, PT: 2, PL: 2, PB: 2, PR: 2}},
		{"3x3s2_128ch_56", Geom{N: 1, C: 128, M: 256, H: 56, W: 56, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}},
		{"1x1s2_256ch_56", Geom{N: 1, C: 256, M: 512, H: 56, W: 56, KH: 1, KW: 1, SH: 2, SW: 2}},                         // ResNet-50 layer2.0.downsample
		{"5x5_64ch_27", Geom{N: 1, C: 64, M: 192, H: 27, W: 27, KH: 5, KW: 5, SH: 1, SW: 1, PT: 2, PL: 2, PB: 2, PR: 2}}, // AlexNet features.3
		{"3x3_512ch_7", Geom{N: 1, C: 512, M: 512, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PL: 1, PB: 1, PR: 1}},  // ResNet layer4
	} {
		g := layerGeom(cc.g)
		k := g.C * g.KH * g.KW
		pc := min(g.OH*g.OW, max(64, colBudget/k))
		x := randSlice(rand.New(rand.NewPCG(3, 4)), g.C*g.H*g.W)
		col := make([]float32, k*pc)
		var ph []float32
		if g.KH*g.KW >= 4*g.SH*g.SW { // as forward decides
			ph = make([]float32, g.C*g.H*g.SW*phaseWidth(g))
		}
		b.Run(cc.name, func(b *testing.B) {
			b.ResetTimer()
			cpu0 := cputime.Seconds()
			for b.Loop() {
				// As forward does: split once per call, then gather.
				if ph != nil {
					splitPhases(g, x, ph, g.C, 1)
				}
				im2col(g, x, ph, col, g.C, 0, pc, 1)
			}
			b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
		})
		if g.strided1x1() {
			// What forward runs for these instead of im2col.
			b.Run(cc.name+"/subsample", func(b *testing.B) {
				cpu0 := cputime.Seconds()
				for b.Loop() {
					subsample(g, x, col, g.C, 0, pc, 1)
				}
				b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkConvLayer runs whole convs that take im2col + GEMM (first
// layers, strided 3x3) through Forward on one worker with int8 weights
// prepacked as Compile leaves them, in cpu-ms.
func BenchmarkConvLayer(b *testing.B) {
	for _, cc := range []struct {
		name string
		g    Geom
	}{
		{"7x7s2_3to64_224", Geom{N: 1, C: 3, M: 64, H: 224, W: 224, KH: 7, KW: 7, SH: 2, SW: 2, PT: 3, PL: 3, PB: 3, PR: 3}},
		{"3x3s2_128to256_28", Geom{N: 1, C: 128, M: 256, H: 28, W: 28, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}}, // ResNet-18 layer3.0.conv1
		{"3x3s2_64to128_56", Geom{N: 1, C: 64, M: 128, H: 56, W: 56, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}},   // ResNet-18 layer2.0.conv1
		{"3x3s2_256to512_14", Geom{N: 1, C: 256, M: 512, H: 14, W: 14, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}}, // ResNet-18 layer4.0.conv1
		{"3x3s2_128to128_56", Geom{N: 1, C: 128, M: 128, H: 56, W: 56, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}}, // ResNet-50 layer2.0.conv2
		{"3x3s2_256to256_28", Geom{N: 1, C: 256, M: 256, H: 28, W: 28, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1}}, // ResNet-50 layer3.0.conv2
		{"3x3_512to512_7", Geom{N: 1, C: 512, M: 512, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PL: 1, PB: 1, PR: 1}},
		{"1x1s2_256to512_56", Geom{N: 1, C: 256, M: 512, H: 56, W: 56, KH: 1, KW: 1, SH: 2, SW: 2}},   // ResNet-50 layer2.0.downsample
		{"1x1s2_512to1024_28", Geom{N: 1, C: 512, M: 1024, H: 28, W: 28, KH: 1, KW: 1, SH: 2, SW: 2}}, // layer3.0.downsample
	} {
		g := layerGeom(cc.g)
		r := rand.New(rand.NewPCG(5, 6))
		x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		w.Packed = Prepack(g, w)
		y := make([]float32, g.M*g.OH*g.OW)
		b.Run(cc.name, func(b *testing.B) {
			Forward(g, x, w, bias, y, true, 1)
			b.ResetTimer()
			cpu0 := cputime.Seconds()
			for b.Loop() {
				Forward(g, x, w, bias, y, true, 1)
			}
			b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// layerGeom completes a benchmark layer's geometry: no groups, no
// dilation, the output size.
func layerGeom(g Geom) Geom {
	g.Group, g.DH, g.DW = 1, 1, 1
	g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, 1)
	g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, 1)
	return g
}
