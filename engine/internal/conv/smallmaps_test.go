package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/gemm"
)

// TestUseWinogradOn: in WebAssembly the 3x3 stride-1 convs of maps down to
// 7x7 with at most 256 input channels take Winograd; natively the rule is
// useWinograd's. The choice never depends on the output channels, so a
// conv split by output channels takes one path in all its parts.
func TestUseWinogradOn(t *testing.T) {
	g3 := func(c, m, hw int) Geom {
		return Geom{N: 1, C: c, M: m, H: hw, W: hw, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1,
			PT: 1, PL: 1, PB: 1, PR: 1, Group: 1, OH: hw, OW: hw}
	}
	for _, c := range []struct {
		g            Geom
		native, wasm bool
	}{
		{g3(128, 192, 8), false, true}, // alexnet_cifar features.8
		{g3(192, 192, 8), false, true},
		{g3(64, 64, 8), false, true}, // resnet20_cifar layer3
		{g3(160, 320, 7), false, true},
		{g3(256, 32, 7), false, true},
		{g3(257, 64, 8), false, false}, // more than 256 channels in
		{g3(512, 512, 7), false, false},
		{g3(64, 64, 6), false, false}, // 36 outputs
		{g3(8, 64, 8), false, false},  // fewer than 16 channels in
		{g3(64, 64, 13), true, true},  // 169 outputs: useWinograd's
	} {
		for _, m := range []int{c.g.M, c.g.M / 2, 16} { // parts of a channel split
			g := c.g
			g.M = m
			if got := useWinogradOn(g, false); got != c.native {
				t.Errorf("%dto%d %dx%d natively: %v, want %v", g.C, g.M, g.OH, g.OW, got, c.native)
			}
			if got := useWinogradOn(g, true); got != c.wasm {
				t.Errorf("%dto%d %dx%d in WebAssembly: %v, want %v", g.C, g.M, g.OH, g.OW, got, c.wasm)
			}
		}
	}
	s2 := g3(64, 64, 16)
	s2.SH, s2.SW, s2.OH, s2.OW = 2, 2, 8, 8
	if useWinogradOn(s2, true) {
		t.Error("stride 2 takes Winograd in WebAssembly")
	}
}

// TestWinogradSmallMaps: Winograd on the small maps useWinogradOn admits
// in WebAssembly (8x8, 7x7 with its partial tiles, asymmetric pads, batch
// 2) agrees with the reference, with its kernels transformed on each call
// or kept (int8 weights: the same bits), and Forward on int8 weights kept
// as Prepack keeps them gives the bits of the path it takes.
func TestWinogradSmallMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, g := range []Geom{
		{N: 1, C: 128, M: 192, H: 8, W: 8, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 2, C: 16, M: 20, H: 7, W: 7, PT: 1, PL: 1, PB: 1, PR: 1},
		{N: 1, C: 33, M: 17, H: 9, W: 8, PT: 0, PL: 1, PB: 1, PR: 0},
		{N: 1, C: 64, M: 40, H: 7, W: 9, PT: 2, PL: 1, PB: 0, PR: 1},
	} {
		g.Group, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW = 1, 3, 3, 1, 1, 1, 1
		g.OH = OutSize(g.H, g.PT, g.PB, 3, 1, 1)
		g.OW = OutSize(g.W, g.PL, g.PR, 3, 1, 1)
		if !useWinogradOn(g, true) {
			t.Fatalf("%+v does not take Winograd in WebAssembly", g)
		}
		x := randSlice(r, g.N*g.C*g.H*g.W)
		bias := randSlice(r, g.M)
		w, f := quantWeights(r, g)
		want := make([]float32, g.N*g.M*g.OH*g.OW)
		Naive(g, x, f, bias, want, true)
		scale := 0.0
		for _, v := range want {
			scale = max(scale, math.Abs(float64(v)))
		}
		run := func(name string, fn func(y []float32)) []float32 {
			got := make([]float32, len(want))
			for j := range got {
				got[j] = float32(math.NaN()) // every element must be written
			}
			fn(got)
			for j := range got {
				if e := math.Abs(float64(got[j]-want[j])) / scale; !(e <= 1e-5) {
					t.Fatalf("%+v %s: y[%d] = %v, naive %v", g, name, j, got[j], want[j])
				}
			}
			return got
		}
		kern := gemm.DefaultTiles.Kernel
		kept := w
		kept.Packed = &gemm.PackedA{Ext: newWinogradWeights(w, g.M, g.C, kern.MR)}
		for _, workers := range []int{1, 3} {
			each := run("winograd", func(y []float32) { winograd(g, x, w, bias, y, true, workers, gemm.DefaultTiles) })
			keptY := run("winograd kept", func(y []float32) { winograd(g, x, kept, bias, y, true, workers, gemm.DefaultTiles) })
			for j := range each {
				if math.Float32bits(each[j]) != math.Float32bits(keptY[j]) {
					t.Fatalf("%+v workers=%d: y[%d] kept %v, transformed on the call %v", g, workers, j, keptY[j], each[j])
				}
			}
			fw := w
			fw.Packed = Prepack(g, w)
			run("Forward", func(y []float32) { Forward(g, x, fw, bias, y, true, workers) })
		}
	}
}

// TestIm2colRows: im2col (im2colPadded where it applies: stride 1 or 2, rows of
// 4 values or more, whole output rows per chunk; WebAssembly SIMD) writes
// the values of im2col's definition, bit for bit, for pads of every side,
// widths with and without a tail past whole vectors, chunks of whole rows
// and of part rows, and the strided and dilated convs it leaves to the
// gather.
func TestIm2colRows(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	geoms := []Geom{
		{C: 16, H: 16, W: 16, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2}, // googlenet_cifar 3b.branch3.1
		{C: 24, H: 8, W: 8, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2},
		{C: 3, H: 32, W: 32, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1},
		{C: 3, H: 32, W: 32, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2}, // alexnet_cifar features.0
		{C: 5, H: 27, W: 27, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2}, // AlexNet features.3: a tail of 3
		{C: 2, H: 6, W: 5, KH: 3, KW: 3, PT: 0, PL: 3, PB: 2, PR: 0},
		{C: 2, H: 7, W: 9, KH: 2, KW: 4, PT: 1, PL: 0, PB: 0, PR: 2},
		{C: 2, H: 4, W: 4, KH: 1, KW: 1, PT: 1, PL: 1, PB: 1, PR: 1},
		{C: 2, H: 5, W: 3, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1}, // rows of 3: the gather
		// Stride 2 (vec.CopyRowsS2 in WebAssembly SIMD): ResNet's 3x3
		// stride-2 convs on 32x32 (16 columns out) and 14x14 (7, a tail),
		// rows of 5 and 6 out, pads on some sides only, a 1x1, and rows
		// of 3 out (the gather).
		{C: 3, H: 9, W: 10, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
		{C: 16, H: 32, W: 32, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
		{C: 4, H: 14, W: 14, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
		{C: 2, H: 10, W: 12, KH: 3, KW: 3, SH: 2, SW: 2, PT: 0, PL: 1, PB: 1, PR: 0},
		{C: 2, H: 9, W: 11, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 0, PB: 0, PR: 1},
		{C: 2, H: 8, W: 8, KH: 1, KW: 1, SH: 2, SW: 2},
		{C: 2, H: 7, W: 6, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
		{C: 2, H: 13, W: 14, KH: 3, KW: 3, SH: 3, SW: 3, PT: 1, PL: 1, PB: 1, PR: 1}, // stride 3: the gather
		{C: 2, H: 9, W: 10, KH: 3, KW: 3, DH: 2, DW: 2, PT: 2, PL: 2, PB: 2, PR: 2},  // dilated: the gather
	}
	for _, g := range geoms {
		g.N, g.M, g.Group = 1, 1, 1
		g.SH, g.SW, g.DH, g.DW = max(g.SH, 1), max(g.SW, 1), max(g.DH, 1), max(g.DW, 1)
		g.OH = OutSize(g.H, g.PT, g.PB, g.KH, g.SH, g.DH)
		g.OW = OutSize(g.W, g.PL, g.PR, g.KW, g.SW, g.DW)
		x := randSlice(r, g.C*g.H*g.W)
		npix := g.OH * g.OW
		rows := g.C * g.KH * g.KW
		for _, ch := range [][2]int{{0, npix}, {g.OW, 2 * g.OW}, {npix - g.OW, g.OW}, {1, npix - 2}} {
			p0, pc := ch[0], ch[1]
			if pc <= 0 || p0+pc > npix {
				continue
			}
			// Rows pc apart (im2col), and further (im2colLD, as Forward
			// lays them out in WebAssembly where colStride pads them):
			// the values past a row's pc are left alone.
			for _, ld := range []int{pc, pc + 8, pc + 3} {
				col := randSlice(r, rows*ld+7) // stale values, and a guard past the end
				stale := append([]float32(nil), col...)
				if ld == pc {
					im2col(g, x, nil, col, g.C, p0, pc, 1)
				} else {
					im2colLD(g, x, nil, col, g.C, p0, pc, ld, 1)
				}
				for row := 0; row < rows; row++ {
					c, kk := row/(g.KH*g.KW), row%(g.KH*g.KW)
					ky, kx := kk/g.KW, kk%g.KW
					for i := 0; i < pc; i++ {
						oy, ox := (p0+i)/g.OW, (p0+i)%g.OW
						iy, ix := oy*g.SH-g.PT+ky*g.DH, ox*g.SW-g.PL+kx*g.DW
						var want float32
						if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
							want = x[(c*g.H+iy)*g.W+ix]
						}
						if got := col[row*ld+i]; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("%+v chunk %d+%d ld %d: col[%d][%d] = %v, want %v", g, p0, pc, ld, row, i, got, want)
						}
					}
					for i := row*ld + pc; i < (row+1)*ld; i++ {
						if col[i] != stale[i] {
							t.Fatalf("%+v chunk %d+%d ld %d: wrote between rows %d and %d", g, p0, pc, ld, row, row+1)
						}
					}
				}
				for i, v := range col[rows*ld:] {
					if v != stale[rows*ld+i] {
						t.Fatalf("%+v chunk %d+%d ld %d: wrote past the chunk's rows", g, p0, pc, ld)
					}
				}
			}
		}
	}
}

// TestColStrideSameBits: Forward through im2col with the matrix's rows
// padded (colStride, WebAssembly: 16x16 and 32x32 maps) gives the bits of
// the GEMM on the unpadded matrix, for the CIFAR-10 nets' im2col convs,
// with and without workers.
func TestColStrideSameBits(t *testing.T) {
	if wasmBuild && colStride(1024) == 1024 {
		t.Fatal("colStride(1024) = 1024 in WebAssembly: the padded rows are not taken")
	}
	r := rand.New(rand.NewPCG(51, 52))
	for _, g := range []Geom{
		{C: 3, M: 16, H: 32, W: 32, KH: 3, KW: 3, PT: 1, PL: 1, PB: 1, PR: 1}, // resnet20_cifar conv1
		{C: 3, M: 64, H: 32, W: 32, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2}, // alexnet_cifar features.0
		{C: 16, M: 32, H: 16, W: 16, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2},
		{C: 8, M: 20, H: 16, W: 16, KH: 5, KW: 5, PT: 2, PL: 2, PB: 2, PR: 2},
		{C: 3, M: 12, H: 16, W: 16, KH: 3, KW: 3}, // 14x14 out: not padded
	} {
		g.N, g.Group, g.SH, g.SW, g.DH, g.DW = 1, 1, 1, 1, 1, 1
		g = layerGeom(g)
		x, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, g.M)
		w, _ := quantWeights(r, g)
		w.Packed = Prepack(g, w)
		k, npix := g.C*g.KH*g.KW, g.OH*g.OW
		col := make([]float32, k*npix)
		im2col(g, x, nil, col, g.C, 0, npix, 1)
		want := make([]float32, g.M*npix)
		gemm.ParallelMatrix(gemm.DefaultTiles, gemm.Epilogue{Relu: true, RowBias: bias}, 1, false, false, g.M, npix, k, 1, w.matrix(0, k), gemm.Float(col, npix), 0, want, npix)
		for _, workers := range []int{1, 2} {
			got := make([]float32, len(want))
			Forward(g, x, w, bias, got, true, workers)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v workers %d: y[%d] = %v, unpadded %v", g, workers, i, got[i], want[i])
				}
			}
		}
	}
}
