package conv

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/par"
)

// The channel-vector direct path serves ResNet's 3x3 stride-2 convs with
// more than a few input channels (layer2.0.conv2, 128 channels 56 -> 28;
// layer3.0.conv2; layer4.0.conv2, 14 -> 7; ResNet-18's layerN.0.conv1).
// The row-segment kernels (direct.go) put 16 output pixels in a vector:
// at stride 2 those are every other input value, so they read phase
// planes (a split of the input, about 15% of the conv) at any offset, and
// nearly every 16-value load is split over two cache lines. Here, as in
// onnxruntime's NCHWc convs, the vectors hold output channels: a tile is 6
// output pixels (broadcast from the input, one value per pixel and tap,
// at any stride) by 64 output channels (four aligned weight vectors of a
// tap), 24 accumulators, 10 loads per 24 multiply-adds. The input is read
// in place, or from a zero-padded copy where the conv pads, and pixels
// are taken 6 at a time in raster order across output rows (a 7x7 output
// is 9 tiles of 6, 54 lanes for 49 pixels).
//
// The tiles go to a scratch by pixel ([slab of 64 channels][pixel][64]),
// transposed into the output with the bias and ReLU afterwards as
// winogradTM does (storeBiasRelu). Every output is summed over the
// GEMM's KC slices of taps, each slice in order of p = (c, ky, kx) from
// zero with a fused multiply-add, the slices added in order to the first,
// then the bias and the ReLU: the bits of the im2col path
// (TestDirectSameBits), for any number of workers.

// Tile of the channel-vector kernel: directChanPix pixels by directChanC
// channels.
const (
	directChanPix = 6
	directChanC   = 64
)

// useDirectChan reports whether a conv useDirect takes runs through the
// channel-vector kernel: 3x3 stride 2 on at least 16 input channels.
func useDirectChan(g Geom) bool {
	return g.Group == 1 && g.KH == 3 && g.KW == 3 && g.SH == 2 && g.SW == 2 && g.C >= 16
}

// directChanFn computes a tile: for pixels j < directChanPix and channels
// i < directChanC, the sum over p < k of w[p*64+i] * pl[base[j]+off[p]]
// (in order of p from zero), stored at c[j*ldc+i] or, with add, added to
// the value there (c + sum). Unless pf is nil, it may prefetch k*16
// values from pf on (a hint: any address).
type directChanFn func(k int, w []float32, off []int, pl []float32, base *[directChanPix]int, c []float32, ldc int, add bool, pf *float32)

// directChanGo is the portable directChanFn.
func directChanGo(k int, w []float32, off []int, pl []float32, base *[directChanPix]int, c []float32, ldc int, add bool, _ *float32) {
	for j := range directChanPix {
		for i := range directChanC {
			var s float32
			for p := 0; p < k; p++ {
				s += w[p*directChanC+i] * pl[base[j]+off[p]]
			}
			if add {
				s = c[j*ldc+i] + s
			}
			c[j*ldc+i] = s
		}
	}
}

// directChan computes Forward's result for g (useDirectChan) with the
// tile kernel kern.
func directChan(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int, kern directChanFn) {
	const tp, tc = directChanPix, directChanC
	k := g.C * g.KH * g.KW
	kcMax := max(1, gemm.DefaultTiles.KC)
	slabs := (g.M + tc - 1) / tc
	var a []float32
	if dp := w.directPacked(); dp != nil && dp.m == g.M && dp.k == k && dp.r == tc {
		a = dp.a
	} else {
		abuf := colPool.get(slabs * tc * k)
		defer colPool.put(abuf)
		a = *abuf
		directWeights(g, w, a, tc)
	}
	npix := g.OH * g.OW
	tiles := (npix + tp - 1) / tp
	npad := tiles * tp
	// The input planes: x itself when no tap reads outside it, else a
	// zero-padded copy of hp x wp values a channel.
	hp := (g.OH-1)*g.SH + (g.KH-1)*g.DH + 1
	wp := (g.OW-1)*g.SW + (g.KW-1)*g.DW + 1
	inPlace := g.PT == 0 && g.PL == 0 && hp <= g.H && wp <= g.W
	var pbuf *[]float32
	if inPlace {
		hp, wp = g.H, g.W
	} else {
		pbuf = colPool.get(g.C * hp * wp)
		defer colPool.put(pbuf)
	}
	off := make([]int, 0, k)
	for c := 0; c < g.C; c++ {
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				off = append(off, c*hp*wp+ky*g.DH*wp+kx*g.DW)
			}
		}
	}
	// pixBase is the planes' base of pixel j of tile t. Pixels past the
	// last (the last tile's) read the last one's taps; their rows of the
	// scratch are not used.
	pixBase := func(t, j int) int {
		q := min(t*tp+j, npix-1)
		return q/g.OW*g.SH*wp + q%g.OW*g.SW
	}
	cbuf := colPool.get(slabs * npad * tc)
	defer colPool.put(cbuf)
	ct := (*cbuf)[:slabs*npad*tc]
	// The kernel loads through pointers: its last pixel's last tap must
	// lie in the planes.
	if pixBase(tiles-1, tp-1)+off[k-1] >= g.C*hp*wp {
		panic("conv: direct planes too small")
	}
	for n := 0; n < g.N; n++ {
		xn := x[n*g.C*g.H*g.W : (n+1)*g.C*g.H*g.W]
		pl := xn
		if pbuf != nil {
			pl = (*pbuf)[:g.C*hp*wp]
			directPad(g, xn, pl, hp, wp, workers)
		}
		// A work item is a group of tiles and the slabs it runs: with
		// many tiles, all slabs (a chunk's planes stay in L2 across
		// them); with under 8 tiles a chunk (a 7x7 output is 9 tiles),
		// one slab, so that the tiles are split no more than the workers
		// need and each slab's weights are read once. Split by tiles into
		// 4 chunks a worker, ResNet-50's layer4.0.conv2 read its 9.4 MB of
		// weights 4 times; split by slabs, layer2.0.conv2 read its planes
		// twice (BenchmarkConvLayer with the caches flushed before each
		// call: 3x3s2_128to128_56 2.6-3.1 -> 3.0-3.5 cpu-ms).
		chunks := chunksPerWorker * workers
		groups, per := min(tiles, chunks), slabs // tile groups, slabs an item
		if tiles < 8*chunks {
			groups, per = min(tiles, (chunks+slabs-1)/slabs), 1
		}
		par.ForChunks(workers, groups*slabs/per, chunks, func(lo, hi int) {
			var base [tp]int
			for it := lo; it < hi; it++ {
				grp, s0 := it%groups, it/groups*per
				t0, t1 := grp*tiles/groups, (grp+1)*tiles/groups
				for p0 := 0; p0 < k; p0 += kcMax {
					kc := min(kcMax, k-p0)
					for s := s0; s < s0+per; s++ {
						ws := a[s*tc*k+p0*tc : s*tc*k+(p0+kc)*tc]
						cs := ct[s*npad*tc:]
						// With one slab an item, the tiles prefetch into
						// L2 in turn the slab's next slice, kc*16 values
						// each: the first tile of a slice read its
						// weights (64 KB) from memory. With many tiles an
						// item, the weights are in cache, and the
						// prefetches are left out.
						nx := s*tc*k + (p0+kc)*tc
						for t := t0; t < t1; t++ {
							var pf *float32
							if per == 1 {
								pf = &a[min(nx+(t-t0)*kc*16, len(a)-1)]
							}
							for j := range base {
								base[j] = pixBase(t, j)
							}
							kern(kc, ws, off[p0:p0+kc], pl, &base, cs[t*tp*tc:(t+1)*tp*tc], tc, p0 > 0, pf)
						}
					}
				}
			}
		})
		yn := y[n*g.M*npix : (n+1)*g.M*npix]
		par.ForChunks(workers, slabs, workers, func(lo, hi int) {
			for s := lo; s < hi; s++ {
				storeBiasRelu(g, ct[s*npad*tc:s*npad*tc+npix*tc], yn, bias, relu, s*tc, min(tc, g.M-s*tc), tp, tc, npix)
			}
		})
	}
}

// directPad writes image x into pl, hp x wp values a channel: value (i, j)
// of channel c is x[c, i-PT, j-PL], 0 outside the input (padInput, split
// by channels over the workers).
func directPad(g Geom, x, pl []float32, hp, wp, workers int) {
	if g.C*hp*wp < 1<<15 {
		workers = 1
	}
	gp := g
	gp.H, gp.W = hp, wp
	par.ForChunks(workers, g.C, chunksPerWorker*workers, func(lo, hi int) {
		g1, gp1 := g, gp
		g1.C, gp1.C = hi-lo, hi-lo
		padInput(g1, gp1, x[lo*g.H*g.W:hi*g.H*g.W], pl[lo*hp*wp:hi*hp*wp])
	})
}
