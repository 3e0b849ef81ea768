package conv

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/par"
	"convscope/engine/internal/vec"
)

// Winograd F(2x2, 3x3) for 3x3 convolutions with stride 1 and dilation 1
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2015). Each 2x2 block of outputs of a channel is computed from a 4x4 patch
// of input with 16 multiplies per input channel instead of 36: the input
// patch d and the kernel g are transformed (V = Bt d B, U = G g Gt), the
// sum over input channels of U (.) V is taken for each of the 16 positions
// (16 GEMMs, (M x C) times (C x tiles)), and the 4x4 result m is
// transformed back (Y = At m A). The transforms add and subtract only, so
// the result stays within float32 rounding of the direct sum (see
// TestWinogradMatchesNaive for the measured error).
//
//	Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	G  = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//	At = [1 1 1 0; 0 1 -1 -1]

// useWinograd reports whether g takes the Winograd path: a 3x3 kernel,
// stride 1, dilation 1, no groups, at least 16 channels in and out (with 3,
// as in a network's first layer, the products' inner dimension would be
// 3), and at least 169 (13x13) output pixels. At 7x7 the 16 tiles fill half
// of a 32-wide register tile, and the kernels' transform (kept or not) is
// more bytes than the int8 weights im2col streams. 13x13 (AlexNet's last
// three convs) has the 49 tiles of 14x14; there Winograd cost, in cpu-ms
// per call at load 10 (im2col / Winograd), natively with AVX-512 2.41 /
// 1.68 (192->384), 3.71 / 2.61 (384->256), 2.74 / 1.34 (256->256), and in
// Node with the kernels kept (wasmKeepWinogradMC) 16.5 / 8.1, 13.6 / 10.3,
// 10.0 / 6.5.
// cpu-ms per call on one thread (BenchmarkConv3x3, int8 weights packed for
// im2col, kept transformed for Winograd; the machine was at load 7 from
// other builds), AVX-512, two rounds:
//
//	                 im2col      winograd
//	64ch 56x56      3.7  3.8     2.1  2.4
//	256ch 14x14     2.6  2.9     1.4  1.6
//	160->320 14x14  2.2  2.5     1.1  1.5
//	512ch 14x14    10.2 16.0     8.7  7.3
//	512ch 7x7       3.3  3.3     3.4  4.8
//
// WebAssembly (Node, SIMD128, weights transformed on every call), best of
// 18 runs in ms: 160->320 14x14 10.1 / 7.6, 256ch 14x14 13.5 / 10.8, 512ch
// 14x14 50.5 / 42.2, 512ch 7x7 14.7 / 28.2.
func useWinograd(g Geom) bool {
	return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.Group == 1 && g.C >= 16 && g.M >= 16 && g.OH*g.OW >= 169
}

// winograd computes the same result as Naive for geometries useWinograd
// accepts. Instead of 16 separate GEMMs over whole transformed planes, it
// drives the GEMM micro-kernel itself on operands transformed straight into
// the kernel's packed layouts, block by block, so that nothing is copied
// twice and the working set of a block stays in L2:
//
//   - U = G g Gt of every kernel into MR-row slivers, u[xi][sliver][c][MR]
//     (xi = one of the 16 positions of the 4x4 tile): kept from Compile
//     natively (Prepack), else once per call. A channel group's products
//     at one position then read one contiguous run of U, which the
//     hardware prefetcher streams from memory (sliver outermost, each
//     product's C*MR floats began a new run: 256x256 channels at 14x14,
//     BenchmarkSmall3x3 cold, 1.46 -> 1.31 cpu-ms);
//   - per block of tb output tiles (a multiple of the kernel's NR), V = Bt
//     d B of every input channel into NR-column slivers: v[xi][js][c][NR];
//   - per group of mb output channels, the kernel computes each (sliver,
//     xi, js) product over all C at once into prod[xi][js][sliver][MR][NR],
//     then At m A turns prod into outputs (with bias and ReLU).
//
// Work items are (image, tile block, channel group), split over workers in
// contiguous ranges (a worker transforms a tile block's input once for its
// consecutive items). Every output element is computed by the same
// operations in the same order whatever the split, so results are
// bit-identical for any number of workers.
func winograd(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int, t gemm.Tiles) {
	kern := t.Kernel
	if kern.Fn == nil {
		kern = gemm.Generic
	}
	mr, nr := kern.MR, kern.NR
	tilesY, tilesX := (g.OH+1)/2, (g.OW+1)/2
	tiles := tilesY * tilesX
	slivers := (g.M + mr - 1) / mr

	// Tile block: nj slivers of nr tiles, about 64 tiles, fewer when the
	// block's transformed input (16*C*tb floats) would outgrow winoBlock.
	nj := max(1, min((64+nr-1)/nr, winoBlock/(16*g.C*nr), (tiles+nr-1)/nr, winoMaxTiles/nr))
	// Up to 64 tiles (13x13 and 14x14 maps: 49), one block takes them all,
	// though its transformed input (1 MiB at 256 channels) outgrows
	// winoBlock: each block streams the whole of U (4 MiB at 256x256
	// channels), which a model's pass finds in memory, not in cache (two
	// blocks of 32 and 17 tiles, 256x256 channels at 14x14,
	// BenchmarkSmall3x3 cold: 1.79 -> 1.47 cpu-ms). Natively only: in
	// WebAssembly (NR 8, blocks of 16 tiles) Node's figures were too noisy
	// to show a gain.
	if tiles <= 64 && !Build().Wasm {
		nj = (tiles + nr - 1) / nr
	}
	tb := nj * nr
	blocks := (tiles + tb - 1) / tb
	// Channel group: sm slivers, so prod (16*mb*tb floats) fits winoBlock.
	sm := max(1, min(slivers, winoBlock/(16*mr*tb)))
	groups := (slivers + sm - 1) / sm
	// With fewer than 2 items per worker, smaller channel groups give more
	// items (the group size changes no arithmetic, so results keep their
	// bits). Not 4 items a worker as before: 28x28 maps (7 blocks of 32
	// tiles) then ran 14 items of half the channels, and each range that
	// began or ended inside a block transformed the block's input again.
	// Single 3x3 convs, two workers against one taking turns call by call
	// with the old and new grouping, 600 calls, two rounds at load 17-18,
	// CPU time of the ranges over one worker's, old / new: 128->128 28x28
	// +16% / +7%, +21 / +8; 96->128 28x28 +12 / +3, +17 / +12; wall
	// p25 2.12 / 1.55, 2.05 / 1.94 and 1.04 / 1.01, 1.73 / 1.55 ms. Unchanged
	// (control): 128->192 28x28, 64->64 56x56.
	for workers > 1 && g.N*blocks*groups < 2*workers && sm > 1 {
		sm = (sm + 1) / 2
		groups = (slivers + sm - 1) / sm
	}

	var u []float32
	if ww := w.winograd(); ww != nil && ww.mr == mr && ww.m == g.M && ww.c == g.C {
		u = ww.u
	} else {
		ubuf := colPool.get(16 * slivers * mr * g.C)
		defer colPool.put(ubuf)
		u = (*ubuf)[:16*slivers*mr*g.C]
		transformWeights(w, u, g.M, g.C, mr, workers)
	}

	// One position's plane of transformed input and of products, padded
	// by a cache line: unpadded, the 16 planes lie a power of two apart
	// (16 KiB for 64 channels), map to the same L1 sets and evict each
	// other on every tile (that made the transforms 4 times the products).
	vst := nj*g.C*nr + winoPad
	pst := sm*nj*mr*nr + winoPad
	items := g.N * blocks * groups
	if items*16*g.C*tb*sm*mr < 1<<16 { // all items' multiply-adds
		workers = 1 // too few for a second goroutine to pay off
	}
	// With enough tile blocks, ranges of whole blocks (all their channel
	// groups): no block's input is transformed twice. Otherwise ranges of
	// items. Either way the ranges shrink as the work runs out
	// (par.ForGuided: each claim about half of what is left with two
	// workers, the last a block or an item), so that a thread that comes
	// late still finds work and the other waits at the end for a small
	// range only. Before: one range of items per worker, or four equal
	// ranges of blocks per worker. In a GoogLeNet inception block, whose
	// branches run at once (planSchedule), the helper, busy with the small
	// branches when the caller started the big branch's 3x3 conv, found
	// both halves of that conv claimed. A range is computed item by item
	// as the whole loop would be (a block's input transformed again where
	// a range starts inside it): the same bits for any cut.
	// Two workers, one process, passes alternating between the two splits
	// (chrt -f 1, host load 10-12), median ms, before / after: GoogLeNet
	// 21.07 / 20.74, 19.07 / 18.07; ResNet-18 21.95 / 22.07, 22.99 /
	// 22.51; ResNet-50 51.93 / 49.84, 51.31 / 50.37.
	loop := func(f func(lo, hi int)) { par.ForGuided(workers, items, 1, f) }
	if nbl := g.N * blocks; nbl >= chunksPerWorker*workers {
		loop = func(f func(lo, hi int)) {
			par.ForGuided(workers, nbl, 1, func(lo, hi int) { f(lo*groups, hi*groups) })
		}
	}
	// With one block an image (14x14, 13x13), its input is first copied
	// with the padding written out (padGeom): then no tile is a border
	// tile, whose scalar transform was half the tiles at 14x14 (with the
	// tail quads of transformInput, 256x256 channels, BenchmarkSmall3x3
	// best of five: hot 1.08 -> 0.99 cpu-ms, cold 1.34 -> 1.26).
	padded := blocks == 1 && vectorInput
	gp := g
	if padded {
		gp = padGeom(g, tilesY, tilesX)
	}
	// With several blocks (56x56 and 28x28 maps), the batch's input is
	// padded once, by all workers, when it is small enough: on 56x56 maps
	// the border tiles (a tile row's first and last, the first and last
	// rows) took transformInput's scalar code, which with the quads broken
	// at sliver ends cost more than the quads themselves (CPU profile of
	// BenchmarkConv3x3 3x3_64to64_56x56 winograd: transformInput 210 ms
	// flat, transformInput4 80).
	var xpad []float32
	if !padded && vectorInput {
		gq := padGeom(g, tilesY, tilesX)
		if sz := g.N * g.C * gq.H * gq.W; sz <= winoPadMax {
			gp = gq
			pbuf := colPool.get(sz)
			defer colPool.put(pbuf)
			xpad = (*pbuf)[:sz]
			pw := workers
			if sz < 1<<15 {
				pw = 1
			}
			par.ForChunks(pw, g.N*g.C, chunksPerWorker*pw, func(lo, hi int) {
				g1, gp1 := g, gp
				g1.C, gp1.C = hi-lo, hi-lo
				padInput(g1, gp1, x[lo*g.H*g.W:hi*g.H*g.W], xpad[lo*gp.H*gp.W:hi*gp.H*gp.W])
			})
		}
	}
	loop(func(lo, hi int) {
		n16 := 16*vst + 16*pst
		if padded {
			n16 += gp.C * gp.H * gp.W
		}
		vbuf := colPool.get(n16)
		defer colPool.put(vbuf)
		v := (*vbuf)[:16*vst]
		prod := (*vbuf)[16*vst : 16*vst+16*pst]
		lastBlock := -1
		for it := lo; it < hi; it++ {
			nb, grp := it/groups, it%groups
			n, blk := nb/blocks, nb%blocks
			xn := x[n*g.C*g.H*g.W : (n+1)*g.C*g.H*g.W]
			yn := y[n*g.M*g.OH*g.OW : (n+1)*g.M*g.OH*g.OW]
			t0 := blk * tb
			tc := min(tb, tiles-t0)
			if nb != lastBlock {
				if padded {
					xp := (*vbuf)[16*vst+16*pst : n16]
					padInput(g, gp, xn, xp)
					transformInput(gp, xp, v, vst, nr, t0, tc, tilesX)
				} else if xpad != nil {
					transformInput(gp, xpad[n*gp.C*gp.H*gp.W:(n+1)*gp.C*gp.H*gp.W], v, vst, nr, t0, tc, tilesX)
				} else {
					transformInput(g, xn, v, vst, nr, t0, tc, tilesX)
				}
				lastBlock = nb
			}
			s0 := grp * sm
			sc := min(sm, slivers-s0)
			jc := (tc + nr - 1) / nr
			winoProducts(&kern, g.C, 16, u, v, prod, vst, pst, slivers, s0, sc, jc, sm, mr, nr)
			transformOutput(g, prod, yn, bias, relu, pst, mr, nr, sm, s0, sc, t0, tc, tilesX)
		}
	})
}

// winoBlock bounds a worker's transformed input block and product block
// (in float32s each, 256 KiB) so both stay in a core's L2 cache.
const winoBlock = 1 << 16

// winoMaxTiles bounds a tile block (a kernel's NR is at most 32).
const winoMaxTiles = 128

// winoPadMax bounds the padded copy of a multi-block input (in float32s,
// 4 MiB): ResNet's 64-channel 56x56 maps take 215K, VGG16's 64-channel
// 224x224 ones (3.3M) keep their border tiles.
const winoPadMax = 1 << 20

// winoPad pads each position's plane (in float32s: one 64-byte line).
const winoPad = 16

// keepWinogradWeights reports whether Prepack computes an m x c conv's
// transformed kernels once, at Compile, instead of on every call (on
// WebAssembly when wasm, see LayoutFor). They are
// float32 at 16/9 of the weights' count, 7.1 times the int8 weights' bytes:
// ResNet-18 17 MB, GoogLeNet 14 MB, ResNet-50 25 MB, VGG16 105 MB in all.
// Natively always. In WebAssembly, where VGG16 must stay within 300 MB of
// memory in all, only up to 384x256 channels (6 MiB of kernels a layer):
// that keeps every Winograd layer of ResNet-18, ResNet-50, GoogLeNet and
// AlexNet (15 MB for its 13x13 layers) and VGG16's up to conv3 (12 MB),
// not its 512-channel ones (93 MB). On every call, a 256-channel 14x14
// layer's transform cost more than its 16 products (49 tiles per kernel).
func keepWinogradWeights(m, c int, wasm bool) bool {
	return !wasm || m*c <= wasmKeepWinogradMC
}

// wasmKeepWinogradMC bounds M*C of the layers that keep their transformed
// kernels in WebAssembly (see keepWinogradWeights): AlexNet's 384->256 is
// the largest it admits, VGG16's 256->512 the smallest it refuses.
const wasmKeepWinogradMC = 384 * 256

// vectorInput lets transformInput use transformInput4 (tests turn it off
// to compare with the scalar code).
var vectorInput = true

// vectorOutput lets transformOutput use storeOut4 (tests turn it off to
// compare with the scalar stores).
var vectorOutput = true

// vectorWeights lets transformWeights use transformSliver4 (tests turn it
// off to compare with the scalar code).
var vectorWeights = true

// winogradWeights are a conv's Winograd-transformed kernels for a
// micro-kernel of mr rows, as transformWeights lays them out.
type winogradWeights struct {
	mr, m, c int
	u        []float32
}

// winograd returns w's precomputed transformed kernels, or nil.
func (w Weights) winograd() *winogradWeights {
	if w.Packed == nil {
		return nil
	}
	ww, _ := w.Packed.Ext.(*winogradWeights)
	return ww
}

func newWinogradWeights(w Weights, m, c, mr int) *winogradWeights {
	ww := &winogradWeights{mr: mr, m: m, c: c, u: make([]float32, 16*((m+mr-1)/mr)*mr*c)}
	transformWeights(w, ww.u, m, c, mr, 1)
	return ww
}

// transformWeights writes U = G g Gt for every (m, c) kernel g of w
// (M, C, 3, 3) into u laid out as the micro-kernel reads A: for each of
// the 16 positions, for each sliver of mr output channels, C rows of mr
// values (rows past M are zero). It runs on every call, so int8 weights are
// transformed from int8, one kernel at a time: no float32 copy of the
// weights is kept (at 16/9 of their size, the transformed weights of VGG16
// would be 0.5 GB more, and the browser has 300 MB for everything). The
// buffer u is per call (colPool), at most 16*512*512 floats (16.8 MB) for
// VGG16's 512-channel layers.
func transformWeights(w Weights, u []float32, mCount, cCount, mr, workers int) {
	slivers := (mCount + mr - 1) / mr
	st := slivers * cCount * mr // one position's plane
	if mCount*cCount < 1<<12 {
		workers = 1
	}
	par.For(workers, slivers, func(lo, hi int) {
		var buf [9]float32
		for s := lo; s < hi; s++ {
			us := u[s*cCount*mr : (15*slivers+s+1)*cCount*mr]
			// Four channels at a time (slivers of any multiple of four).
			if vectorWeights && mr%4 == 0 && s*mr+mr <= mCount {
				done := true
				for r := 0; r < mr && done; r += 4 {
					done = transformSliver4(w, us[r:], s*mr+r, cCount, st, mr)
				}
				if done {
					continue
				}
			}
			for r := 0; r < mr; r++ {
				m := s*mr + r
				if m >= mCount {
					for xi := 0; xi < 16; xi++ {
						for c := 0; c < cCount; c++ {
							us[xi*st+c*mr+r] = 0
						}
					}
					continue
				}
				for c := 0; c < cCount; c++ {
					mc := m*cCount + c
					k := (*[9]float32)(w.values(mc*9, 9, m, buf[:]))
					// q = G g: rows 0..3, three columns each.
					var q [4][3]float32
					for j := 0; j < 3; j++ {
						g0, g1, g2 := k[j], k[3+j], k[6+j]
						q[0][j] = g0
						q[1][j] = 0.5 * (g0 + g1 + g2)
						q[2][j] = 0.5 * (g0 - g1 + g2)
						q[3][j] = g2
					}
					o := c*mr + r
					for i := 0; i < 4; i++ {
						q0, q1, q2 := q[i][0], q[i][1], q[i][2]
						us[(i*4+0)*st+o] = q0
						us[(i*4+1)*st+o] = 0.5 * (q0 + q1 + q2)
						us[(i*4+2)*st+o] = 0.5 * (q0 - q1 + q2)
						us[(i*4+3)*st+o] = q2
					}
				}
			}
		}
	})
}

// transformInput writes V = Bt d B for output tiles t0..t0+tc-1 of every
// input channel into v laid out as the micro-kernel reads B: for each of
// the 16 positions (plane floats apart), for each sliver of nr tiles, C
// rows of nr values (columns past tc are zero). Tile t covers outputs (2*ty.., 2*tx..)
// and reads the 4x4 input patch at (2*ty-PT, 2*tx-PL), zero outside the
// image. The patch and the transform are written out in scalars: Go keeps
// them in registers, where a [4][4] array would live on the stack (that
// made the transforms cost more than the GEMMs).
func transformInput(g Geom, x, v []float32, plane, nr, t0, tc, tilesX int) {
	transformInputC(g, x, v, plane, nr, t0, tc, tilesX, 0, g.C)
}

// transformInputC is transformInput for input channels c0..c1-1 only (the
// rows of those channels in v), so that workers can split a transform by
// channels: each value is computed as transformInput computes it.
func transformInputC(g Geom, x, v []float32, plane, nr, t0, tc, tilesX, c0, c1 int) {
	cn := g.C * nr
	jc := (tc + nr - 1) / nr
	if pad := jc*nr - tc; pad > 0 {
		// The last sliver's columns past tc: zero, so the kernel never
		// meets stale NaNs or subnormals there.
		js, j0 := tc/nr, tc%nr
		for xi := 0; xi < 16; xi++ {
			for c := c0; c < c1; c++ {
				clear(v[xi*plane+js*cn+c*nr+j0 : xi*plane+js*cn+c*nr+nr])
			}
		}
	}
	// Channels outer, tiles inner: each of the 16 planes is then written
	// in order (tiles outer wrote 16*C scattered lines per tile, more than
	// L1 holds, so every store missed). Tile positions are worked out once.
	var pos [winoMaxTiles]int32 // patch offset in a channel, or -1 at a border
	for t := 0; t < tc; t++ {
		ty, tx := (t0+t)/tilesX, (t0+t)%tilesX
		iy0, ix0 := 2*ty-g.PT, 2*tx-g.PL
		pos[t] = -1
		if iy0 >= 0 && ix0 >= 0 && iy0+4 <= g.H && ix0+4 <= g.W {
			pos[t] = int32(iy0*g.W + ix0)
		}
	}
	// quad[t]: tiles t..t+3 lie in one tile row inside the image and in
	// one sliver, so transformInput4 can take them at once (on 56x56 maps
	// 24 of a row's 26 inner tiles, on 14x14 4 of 5).
	var quad [winoMaxTiles]bool
	for t := 0; t+4 <= tc; t++ {
		quad[t] = pos[t] >= 0 && pos[t+3] == pos[t]+6 && (t0+t)/tilesX == (t0+t+3)/tilesX && t%nr+4 <= nr
	}
	// run[t]: 16 or 8 when tiles t.. t+run-1 lie so too, for
	// transformInputWide (amd64 with AVX-512), else 0: on 56x56 maps (rows
	// of 28 tiles, slivers of 32) 16+8+4 tiles a row, on 28x28 8+4 of 14.
	var run, runTail [winoMaxTiles]int8
	if vectorInput && nr%8 == 0 && wideVectors() {
		for t := 0; t < tc; t++ {
			for _, k := range [2]int{16, 8} {
				if t+k <= tc && pos[t] >= 0 && pos[t+k-1] == pos[t]+int32(2*(k-1)) && (t0+t)/tilesX == (t0+t+k-1)/tilesX && t%nr+k <= nr {
					run[t] = int8(k)
					break
				}
			}
		}
		// runTail[t]: where t, not the start of a run, has five to eight
		// tiles left in its row and sliver, the distance back to the
		// start of the run of 8 that ends there (taking the tiles before
		// t again, with the same values), or 0: a 28x28 map's rows of 14
		// tiles take 8 and 8 instead of 8, a quad and a quad's tail.
		for t := 0; t < tc; t++ {
			row := (t0 + t) / tilesX
			e := min(tc, (row+1)*tilesX-t0, (t/nr+1)*nr) // end of t's row in the block and sliver
			if s := e - 8; run[t] == 0 && e-t > 4 && s >= 0 && s < t && run[s] != 0 {
				runTail[t] = int8(t - s)
			}
		}
	}
	// tail[t]: the start of the four tiles ending a tile row that tile t,
	// one of that row's last three and not the start of a quad, takes with
	// them (the tiles before t again, with the same values), or -1. A
	// 14x14 map's rows of 7 tiles then take two quads each.
	var tail [winoMaxTiles]int8
	for t := 0; t < tc; t++ {
		tail[t] = -1
		row := (t0 + t) / tilesX
		e := min(tc, (row+1)*tilesX-t0) // end of t's row in the block
		if s := e - 4; !quad[t] && s >= 0 && s < t && quad[s] {
			tail[t] = int8(t - s)
		}
	}
	// toff[t]: tile t's column in v (less the channel's), found once, not
	// with a division (a runtime.wasmDiv call in WebAssembly) a channel.
	var toff [winoMaxTiles]int32
	for t := 0; t < tc; t++ {
		toff[t] = int32((t/nr)*cn + t%nr)
	}
	var d [16]float32
	for c := c0; c < c1; c++ {
		img := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for t := 0; t < tc; t++ {
			o := int(toff[t])
			if k := int(run[t]); k > 0 {
				transformInputWide(img, int(pos[t]), g.W, v, o+c*nr, plane, k == 16)
				t += k - 1
				continue
			}
			if b := int(runTail[t]); b > 0 {
				s := t - b
				transformInputWide(img, int(pos[s]), g.W, v, (s/nr)*cn+s%nr+c*nr, plane, false)
				t = s + 7
				continue
			}
			if vectorInput && quad[t] && transformInput4(img, int(pos[t]), g.W, v, o+c*nr, plane) {
				t += 3
				continue
			}
			if b := int(tail[t]); vectorInput && b > 0 {
				s := t - b
				if transformInput4(img, int(pos[s]), g.W, v, (s/nr)*cn+s%nr+c*nr, plane) {
					t = s + 3
					continue
				}
			}
			var r0, r1, r2, r3 [4]float32
			if p := int(pos[t]); p >= 0 {
				r0 = *(*[4]float32)(img[p:])
				r1 = *(*[4]float32)(img[p+g.W:])
				r2 = *(*[4]float32)(img[p+2*g.W:])
				r3 = *(*[4]float32)(img[p+3*g.W:])
			} else {
				// A border tile: rows outside the image are zero, and a
				// row inside is one 4-value copy unless the patch crosses
				// the left or right edge (testing every value of every
				// patch was two thirds of this function's time).
				ty, tx := (t0+t)/tilesX, (t0+t)%tilesX
				iy0, ix0 := 2*ty-g.PT, 2*tx-g.PL
				colsIn := ix0 >= 0 && ix0+4 <= g.W
				for r := 0; r < 4; r++ {
					dr := (*[4]float32)(d[r*4:])
					iy := iy0 + r
					switch {
					case iy < 0 || iy >= g.H:
						*dr = [4]float32{}
					case colsIn:
						*dr = *(*[4]float32)(img[iy*g.W+ix0:])
					default:
						src := img[iy*g.W : (iy+1)*g.W]
						for q := range dr {
							if ix := ix0 + q; ix >= 0 && ix < g.W {
								dr[q] = src[ix]
							} else {
								dr[q] = 0
							}
						}
					}
				}
				r0, r1, r2, r3 = [4]float32(d[0:4]), [4]float32(d[4:8]), [4]float32(d[8:12]), [4]float32(d[12:16])
			}
			// Bt d: rows b0..b3.
			b00, b01, b02, b03 := r0[0]-r2[0], r0[1]-r2[1], r0[2]-r2[2], r0[3]-r2[3]
			b10, b11, b12, b13 := r1[0]+r2[0], r1[1]+r2[1], r1[2]+r2[2], r1[3]+r2[3]
			b20, b21, b22, b23 := r2[0]-r1[0], r2[1]-r1[1], r2[2]-r1[2], r2[3]-r1[3]
			b30, b31, b32, b33 := r1[0]-r3[0], r1[1]-r3[1], r1[2]-r3[2], r1[3]-r3[3]
			// (Bt d) B, row by row.
			q := o + c*nr
			v[q] = b00 - b02
			v[q+plane] = b01 + b02
			v[q+2*plane] = b02 - b01
			v[q+3*plane] = b01 - b03
			v[q+4*plane] = b10 - b12
			v[q+5*plane] = b11 + b12
			v[q+6*plane] = b12 - b11
			v[q+7*plane] = b11 - b13
			v[q+8*plane] = b20 - b22
			v[q+9*plane] = b21 + b22
			v[q+10*plane] = b22 - b21
			v[q+11*plane] = b21 - b23
			v[q+12*plane] = b30 - b32
			v[q+13*plane] = b31 + b32
			v[q+14*plane] = b32 - b31
			v[q+15*plane] = b31 - b33
		}
	}
}

// transformOutput turns the 16 products of each tile of one channel group
// (prod laid out [xi][js][sliver][mr][nr], positions plane floats apart,
// slivers s0..s0+sc-1) into its 2x2 outputs Y = At m A, adds the bias,
// applies ReLU and writes those inside the output. With an NR that is a
// multiple of 4, four tiles at a time (winoOut4: vectors where the build
// has them), with NR 32 and AVX-512 sixteen (winoOutWide); the scalar
// ReLU's branches, which a ReLU's input takes at random, cost more than
// the rest of the transform.
func transformOutput(g Geom, prod, y, bias []float32, relu bool, plane, mr, nr, sm, s0, sc, t0, tc, tilesX int) {
	step := 1
	if nr%4 == 0 {
		step = 4
	}
	// Sixteen tiles at a time (winoOutWide, amd64 with AVX-512) with
	// NR 32: a sliver's tiles are two runs of 16.
	wide := vectorOutput && nr%16 == 0 && g.OH*g.OW >= 16 && wideVectors()
	if wide {
		step = 16
	}
	// Where tile t's products start (prod's offset less the channel's),
	// and the leading quads that winoOutStores4 takes (whole tiles of one
	// tile row, as below): found once a call, the same for every output
	// channel, not with divisions (runtime.wasmDiv calls in WebAssembly)
	// for each. qt[i], in bytes: quad i's products, its outputs' offset.
	var pofs [winoMaxTiles]int32
	for t := range min(tc, winoMaxTiles) {
		pofs[t] = int32((t/nr)*sm*mr*nr + t%nr)
	}
	var qt [winoMaxTiles / 4][2]int
	nq := 0
	qty, qtx := t0/tilesX, t0%tilesX // the tile after the quads
	if step == 4 && !wide && vectorOutput && tc <= winoMaxTiles {
		for t := 0; tc-t >= 4 && qtx+4 <= tilesX && 2*qty+2 <= g.OH && 2*qtx+8 <= g.OW; t += 4 {
			qt[nq] = [2]int{4 * int(pofs[t]), 4 * (2*qty*g.OW + 2*qtx)}
			nq++
			if qtx += 4; qtx == tilesX {
				qtx, qty = 0, qty+1
			}
		}
	}
	var ys [4][4]float32
	for s := 0; s < sc; s++ {
		for r := 0; r < mr; r++ {
			m := (s0+s)*mr + r
			if m >= g.M {
				break
			}
			var bv float32
			if bias != nil {
				bv = bias[m]
			}
			out := y[m*g.OH*g.OW : (m+1)*g.OH*g.OW]
			ty, tx := t0/tilesX, t0%tilesX
			t0p := s*mr*nr + r*nr // tile 0's products
			t := 0
			if nq > 0 && winoOutStores4(prod[t0p:], plane, bv, relu, out, &qt, 0, nq, g.OW) {
				t, ty, tx = 4*nq, qty, qtx
			}
			for ; t < tc; t += step {
				var p []float32
				if t < winoMaxTiles {
					p = prod[t0p+int(pofs[t]):]
				} else {
					p = prod[((t/nr)*sm+s)*mr*nr+r*nr+t%nr:]
				}
				if wide {
					winoOutWide(p, plane, bv, relu, out, g.OH, g.OW, tilesX, min(16, tc-t), &tx, &ty)
					continue
				}
				if step == 4 {
					// Four whole tiles of a tile row (as storeTiles
					// takes storeOut4): transformed and stored by one
					// assembly function where there is one (WebAssembly).
					if vectorOutput && tc-t >= 4 && tx+4 <= tilesX && 2*ty+2 <= g.OH && 2*tx+8 <= g.OW &&
						winoOutStore4(p, plane, bv, relu, out, 2*ty*g.OW+2*tx, g.OW) {
						if tx += 4; tx == tilesX {
							tx, ty = 0, ty+1
						}
						continue
					}
					winoOut4(p, plane, bv, relu, &ys)
				} else {
					ys[0][0], ys[1][0], ys[2][0], ys[3][0] = winoOut(p, plane, bv, relu)
				}
				storeTiles(g, out, &ys, min(step, tc-t), &tx, &ty, tilesX)
			}
		}
	}
}

// storeTiles writes the 2x2 outputs of n (at most 4) consecutive tiles
// from tile (*tx, *ty) on (ys[i][k], output i of tile k: y00, y01, y10,
// y11) into out, those inside the output, and moves (*tx, *ty) past them.
// Four tiles of one tile row inside the output: two runs of 8 values
// (storeOut4, amd64 and WebAssembly).
func storeTiles(g Geom, out []float32, ys *[4][4]float32, n int, tx, ty *int, tilesX int) {
	if vectorOutput && n == 4 && *tx+4 <= tilesX && 2**ty+2 <= g.OH && 2**tx+8 <= g.OW && storeOut4(out, 2**ty*g.OW+2**tx, g.OW, ys) {
		if *tx += 4; *tx == tilesX {
			*tx, *ty = 0, *ty+1
		}
		return
	}
	for k := 0; k < n; k++ {
		y00, y01, y10, y11 := ys[0][k], ys[1][k], ys[2][k], ys[3][k]
		oy, ox := 2**ty, 2**tx
		if *tx++; *tx == tilesX {
			*tx, *ty = 0, *ty+1
		}
		if oy+2 <= g.OH && ox+2 <= g.OW {
			o := oy*g.OW + ox
			out[o], out[o+1] = y00, y01
			out[o+g.OW], out[o+g.OW+1] = y10, y11
			continue
		}
		out[oy*g.OW+ox] = y00
		if ox+1 < g.OW {
			out[oy*g.OW+ox+1] = y01
		}
		if oy+1 < g.OH {
			out[(oy+1)*g.OW+ox] = y10
			if ox+1 < g.OW {
				out[(oy+1)*g.OW+ox+1] = y11
			}
		}
	}
}

// padGeom is g's input as padInput lays it out for tilesY x tilesX tiles:
// the padding written out as zeros (none left in the geometry), enough rows
// and columns that every tile's 4x4 patch lies inside.
func padGeom(g Geom, tilesY, tilesX int) Geom {
	g.H, g.W = 2*tilesY+2, 2*tilesX+2
	g.PT, g.PL, g.PB, g.PR = 0, 0, 0, 0
	return g
}

// padInput copies the image x (g.C channels) into xp laid out as gp
// (padGeom of g): value (iy, ix) of a channel at (iy+g.PT, ix+g.PL), zeros
// around it. Each tile then reads from xp the values (padding zeros
// included) it reads from x, so the transform gives the same bits.
func padInput(g, gp Geom, x, xp []float32) {
	h, w := min(g.H, gp.H-g.PT), min(g.W, gp.W-g.PL) // rows and columns any tile reads
	wide := vectorInput && g.PL <= 16 && wideVectors()
	if vec.CopyRowsVector && !wide && w >= 4 {
		// WebAssembly SIMD: Go's clear and copy are a memory.fill and a
		// memory.copy, which V8 runs as calls into its runtime (see
		// im2colPadded), three a row here. One clear of all the planes,
		// then each channel's rows one vector loop (vec.CopyRows): the
		// same values.
		clear(xp[:g.C*gp.H*gp.W])
		for c := 0; c < g.C; c++ {
			vec.CopyRows(xp[c*gp.H*gp.W+g.PT*gp.W+g.PL:], x[c*g.H*g.W:], h, w, gp.W, g.W)
		}
		return
	}
	for c := 0; c < g.C; c++ {
		xc := xp[c*gp.H*gp.W : (c+1)*gp.H*gp.W]
		// Only the padding is cleared (clearing whole planes took half
		// this function's time).
		clear(xc[:g.PT*gp.W])
		for iy := 0; iy < h; iy++ {
			row := xc[(iy+g.PT)*gp.W : (iy+g.PT+1)*gp.W]
			if wide {
				padRowWide(row, x[(c*g.H+iy)*g.W:][:w], g.PL)
				continue
			}
			clear(row[:g.PL])
			copy(row[g.PL:g.PL+w], x[(c*g.H+iy)*g.W:])
			clear(row[g.PL+w:])
		}
		clear(xc[(h+g.PT)*gp.W:])
	}
}

// winoOut returns the 2x2 outputs Y = At m A of the tile whose 16 products
// are p[0], p[plane], ..., p[15*plane], plus bv, then ReLU when relu.
func winoOut(p []float32, plane int, bv float32, relu bool) (y00, y01, y10, y11 float32) {
	p = p[:15*plane+1]
	// At m: rows s0 (m0+m1+m2) and s1 (m1-m2-m3) of the 4x4 m.
	s00 := p[0] + p[4*plane] + p[8*plane]
	s01 := p[plane] + p[5*plane] + p[9*plane]
	s02 := p[2*plane] + p[6*plane] + p[10*plane]
	s03 := p[3*plane] + p[7*plane] + p[11*plane]
	s10 := p[4*plane] - p[8*plane] - p[12*plane]
	s11 := p[5*plane] - p[9*plane] - p[13*plane]
	s12 := p[6*plane] - p[10*plane] - p[14*plane]
	s13 := p[7*plane] - p[11*plane] - p[15*plane]
	y00 = s00 + s01 + s02 + bv
	y01 = s01 - s02 - s03 + bv
	y10 = s10 + s11 + s12 + bv
	y11 = s11 - s12 - s13 + bv
	if relu { // comparisons, not max: see gemm.Epilogue
		if y00 < 0 {
			y00 = 0
		}
		if y01 < 0 {
			y01 = 0
		}
		if y10 < 0 {
			y10 = 0
		}
		if y11 < 0 {
			y11 = 0
		}
	}
	return y00, y01, y10, y11
}

// winoProducts is the Winograd products of one tile block and sliver
// group, for winograd (points 16, F(2x2)) and winograd4 (36, F(4x4)): at
// each of the points transform positions, the transformed kernels u (c
// input channels, slivers of MR output channels) times the block's
// transformed tiles v (column slivers of NR tiles, row stride vst), into
// prod (position stride pst, the group's sc slivers from s0, sm to a
// column sliver; jc column slivers). Three or two slivers at a time
// (consecutive in u, their products consecutive in prod) where the kernel
// has the taller tiles: each B vector loaded feeds 12 or 8 rows instead of
// 4. C = acc, as Fn stores: the same bits.
func winoProducts(kern *gemm.Kernel, c, points int, u, v, prod []float32, vst, pst, slivers, s0, sc, jc, sm, mr, nr int) {
	for xi := 0; xi < points; xi++ {
		for js := 0; js < jc; js++ {
			b := v[xi*vst+js*c*nr : xi*vst+(js+1)*c*nr]
			if kern.TileTriple == nil && kern.TilePair == nil && kern.TileRows != nil {
				// All sc slivers under the B sliver in one call
				// (WebAssembly's SIMD128: its assembly loops over
				// them), not a Go call and slice checks each.
				o := xi*pst + js*sm*mr*nr
				kern.TileRows(c, sc, u[(xi*slivers+s0)*c*mr:(xi*slivers+s0+sc)*c*mr], b, nr, prod[o:o+sc*mr*nr], nr, true, false, nil, nil, false)
				continue
			}
			for s := 0; s < sc; s++ {
				a := u[(xi*slivers+s0+s)*c*mr:]
				o := xi*pst + (js*sm+s)*mr*nr
				if rem := sc - s; kern.TileTriple != nil && rem >= 3 && rem != 4 {
					kern.TileTriple(c, a[:3*c*mr], b, nr, prod[o:o+3*mr*nr], nr, nr, true, false, false, nil, nil, false)
					s += 2
					continue
				}
				if kern.TilePair != nil && sc-s >= 2 {
					kern.TilePair(c, a[:2*c*mr], b, nr, prod[o:o+2*mr*nr], nr, nr, true, false, false, nil, nil, false)
					s++
					continue
				}
				kern.Fn(c, a[:c*mr], b, prod[o:o+mr*nr])
			}
		}
	}
}
