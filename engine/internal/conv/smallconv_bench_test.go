package conv

import (
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
	"convscope/internal/cputime"
)

// BenchmarkSmall3x3 runs the 3x3 stride-1 convs of 14x14 and 7x7 maps
// (ResNet's layer3 and layer4, GoogLeNet's inception 4 and 5; AlexNet's
// 13x13) through
// Forward on one worker, with int8 weights kept as Prepack keeps them, in
// cpu-ms per call. "cold" cycles over copies of the kept weights (more
// than 64 MiB in all), so every call reads its weights from memory as in a
// model's pass, where each layer has its own; "hot" reuses one copy, which
// then stays in the last-level cache (the Winograd 256-channel 14x14 conv
// took 1.1 ms hot and 1.8 ms in ResNet-18's pass). "before" runs the
// path these convs took before winogradTM, for comparison.
func BenchmarkSmall3x3(b *testing.B) {
	for _, cc := range []struct {
		name string
		c, m int
		hw   int
	}{
		{"256to256_14x14", 256, 256, 14}, // ResNet layer3
		{"160to320_14x14", 160, 320, 14}, // GoogLeNet 4e
		{"112to224_14x14", 112, 224, 14}, // GoogLeNet 4b
		{"512to512_7x7", 512, 512, 7},    // ResNet layer4
		{"192to384_7x7", 192, 384, 7},    // GoogLeNet 5b
		{"384to256_13x13", 384, 256, 13}, // AlexNet features.8
	} {
		g := layerGeom(Geom{N: 1, C: cc.c, M: cc.m, H: cc.hw, W: cc.hw, KH: 3, KW: 3, SH: 1, SW: 1, PT: 1, PL: 1, PB: 1, PR: 1})
		r := rand.New(rand.NewPCG(7, 8))
		x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		y := make([]float32, g.M*g.OH*g.OW)
		// "forward": the weights as Prepack keeps them; "before": as it
		// kept them before winogradTM (the usual Winograd's float32
		// kernels, or at 7x7 the GEMM's float panels, which replaced the pixel-major
		// copy), which Forward then takes.
		kern := gemm.DefaultTiles.Kernel
		before := func() *gemm.PackedA {
			if useWinograd(g) {
				return &gemm.PackedA{Ext: newWinogradWeights(w, g.M, g.C, kern.MR)}
			}
			if useFloatPanels(g) {
				pa := gemm.PackInt8A(gemm.DefaultTiles, w.Q, w.Scales, g.C*9, g.M, g.C*9)
				pa.KeepFloat(gemm.DefaultTiles)
				return pa
			}
			return Prepack(g, w)
		}
		copies := func(pack func() *gemm.PackedA) []Weights {
			one := w
			one.Packed = pack()
			ws := make([]Weights, max(2, int((64<<20)/(PackedBytes(one.Packed)+int64(len(w.Q))))+1))
			for i := range ws {
				ws[i] = w
				ws[i].Packed = pack()
			}
			return ws
		}
		paths := map[string][]Weights{"forward": copies(func() *gemm.PackedA { return Prepack(g, w) }), "before": copies(before)}
		for _, mode := range []string{"cold", "hot"} {
			for _, path := range []string{"forward", "before"} {
				ws := paths[path]
				n := len(ws)
				run := func(i int) { Forward(g, x, ws[i], bias, y, true, 1) }
				b.Run(cc.name+"/"+mode+"/"+path, func(b *testing.B) {
					for i := 0; i < n; i++ {
						run(i)
					}
					b.ResetTimer()
					cpu0 := cputime.Seconds()
					i := 0
					for b.Loop() {
						run(i)
						if mode == "cold" {
							i = (i + 1) % n
						}
					}
					b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
				})
			}
		}
	}
}
