package conv

import (
	"runtime"

	"convscope/engine/internal/par"
	"convscope/engine/internal/vec"
)

// wasmBuild is whether this build runs in WebAssembly (Build().Wasm).
const wasmBuild = runtime.GOARCH == "wasm"

// useWinogradOn reports whether g takes the Winograd path on a target
// (wasm: WebAssembly): useWinograd's geometries, and in WebAssembly also
// the 3x3 stride-1 convs of small maps, down to 7x7 (49 output pixels),
// of at most 256 input channels. Natively winogradTM takes those maps (up
// to 64 tiles); WebAssembly has no winogradTM and ran them through im2col
// + GEMM, which cost twice Winograd with its kernels kept (Prepack keeps
// them for these layers: at most 256 channels in, and up to 384 out
// within wasmKeepWinogradMC). In Node, SIMD, one worker, ms per call,
// im2col / Winograd kept (two runs each, machine shared):
//
//	128->192 8x8   2.1-3.8 / 1.0-1.1   (alexnet_cifar features.8)
//	192->192 8x8   2.6-3.4 / 1.0-1.1   (features.10)
//	192->128 8x8   1.8     / 0.69      (features.12)
//	128->128 8x8   1.25-1.3 / 0.48-0.55 (vgg_cifar)
//	64->64 8x8     0.43-0.44 / 0.16    (resnet20_cifar layer3)
//	96->160 8x8    1.06    / 0.48-0.52 (googlenet_cifar 4b)
//	160->320 7x7   3.8-5.9 / 2.1-3.9   (GoogLeNet 5a)
//	192->384 7x7   3.6     / 1.9       (GoogLeNet 5b)
//	128->128 6x6   0.87    / 0.50
//	128->128 4x4   0.52-0.61 / 0.34-0.40
//
// The bound is on the input channels, not the output's: a conv split by
// output channels over workers (engine.Shard) must take the same path in
// every part, whatever the part's width, for the same bits. With more
// input channels (ResNet's 512x512 7x7) the kernels are not kept in
// WebAssembly and their transform on every call cost more than im2col
// saved (512x512 7x7: 14.7 im2col / 28.2 Winograd, see useWinograd).
func useWinogradOn(g Geom, wasm bool) bool {
	if useWinograd(g) {
		return true
	}
	return wasm && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.Group == 1 && g.C >= 16 && g.M >= 16 && g.C <= 256 && g.OH*g.OW >= 49
}

// im2colPadded is im2col (the same col values) for a stride-1 undilated
// conv whose input and output rows are at least 4 values wide, chunked by
// whole output rows, where vec.CopyRows is a vector loop (WebAssembly
// SIMD): the cg input channels are copied once into a zero-padded plane
// each, and every im2col row is then pc/OW segments of OW values at a
// fixed stride in those planes, one vec.CopyRows. im2col's segments each
// took a copy (and at the borders a clear, or a loop with a branch a
// value), and Go's copy and clear are a memory.copy and memory.fill,
// which V8 runs as calls into its runtime: 5-15 ns a value. In Node,
// relaxed build, im2col alone, us of 2000 calls, median (min), load 3-12:
//
//	16ch 5x5 16x16 (googlenet_cifar 3b.branch3.1)  719 (366) -> 54 (33)
//	24ch 5x5 8x8   (googlenet_cifar 4b.branch3.1)  333 (195) -> 59 (32)
//	64ch 3x3 16x16                                 930 (486) -> 108 (82)
//	16ch 3x3 32x32                                 759 (405) -> 65 (33)
//	64ch 5x5 27x27 (AlexNet features.3, tail of 3) 13861 (3884) -> 432 (259)
//
// and whole convs (Forward, one worker, int8 prepacked), ms median (min):
// googlenet_cifar's 5x5s 8->16 16x16 0.48 (0.35) -> 0.11 (0.09), 16->32
// 16x16 1.13 (0.82) -> 0.39 (0.33), 16->32 8x8 0.32 (0.24) -> 0.11 (0.10),
// 24->48 8x8 0.56 (0.30) -> 0.24 (0.13); the stems 3->64 3x3 32x32 0.43
// (0.31) -> 0.30 (0.13), alexnet_cifar's 3->64 5x5 32x32 1.12 (0.89) ->
// 0.57 (0.44).
//
// Stride 2 (both ways) is the same with every other value of the padded
// rows (vec.CopyRowsS2): its segments were a loop with a branch a value
// (ResNet's 3x3 stride-2 convs).
//
// It reports false, doing nothing, when g is not such a conv.
func im2colPadded(g Geom, x, col []float32, cg, p0, pc, ld, workers int) bool {
	s := g.SH
	if !vec.CopyRowsVector || (s != 1 && s != 2) || g.SW != s || g.DH != 1 || g.DW != 1 ||
		g.W < 4 || g.OW < 4 || p0%g.OW != 0 || pc%g.OW != 0 {
		return false
	}
	hp, wp := g.H+g.PT+g.PB, g.W+g.PL+g.PR
	plane := hp * wp
	// CopyRowsS2 reads one value past the last it takes: a row's last
	// segment may end at the last plane's end.
	slack := s - 1
	buf := colPool.get(cg*plane + slack)
	defer colPool.put(buf)
	xp := (*buf)[:cg*plane+slack]
	clear(xp)
	for c := 0; c < cg; c++ {
		vec.CopyRows(xp[c*plane+g.PT*wp+g.PL:], x[c*g.H*g.W:], g.H, g.W, wp, g.W)
	}
	rows := cg * g.KH * g.KW
	if pc*rows < 1<<15 {
		workers = 1 // as im2col
	}
	oy0, ohc := p0/g.OW, pc/g.OW
	par.ForChunks(workers, rows, chunksPerWorker*workers, func(lo, hi int) {
		kk2 := g.KH * g.KW
		for row := lo; row < hi; row++ {
			c, kk := row/kk2, row%kk2
			if s == 1 && kk == 0 && row+kk2 <= hi {
				// A whole channel's rows in one call.
				vec.Im2colPlane(col[row*ld:], xp[c*plane+oy0*wp:], g.KH, g.KW, ohc, g.OW, wp, ld)
				row += kk2 - 1
				continue
			}
			ky, kx := kk/g.KW, kk%g.KW
			if s == 1 {
				vec.CopyRows(col[row*ld:], xp[c*plane+(oy0+ky)*wp+kx:], ohc, g.OW, g.OW, wp)
			} else {
				vec.CopyRowsS2(col[row*ld:], xp[c*plane+(2*oy0+ky)*wp+kx:], ohc, g.OW, g.OW, 2*wp)
			}
		}
	})
	return true
}
