package conv

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/par"
	"convscope/engine/internal/vec"
)

// The pixel-major GEMM serves convs with few output pixels and many output
// channels (ResNet's layer4 and GoogLeNet's inception 5 at 7x7). The usual GEMM puts output channels along the
// micro-kernel's MR rows and pixels along its NR columns: with NR 32
// (AVX-512), 49 pixels take two column slivers, 64 columns of arithmetic
// for 49. Here the roles are swapped: pixels along MR (4)
// and channels along NR, so 49 pixels take 52 rows and a multiple of 32
// channels wastes nothing (ResNet-18's layer4: 16% fewer multiply-adds). The kernel computes C transposed, a tile at a
// time, which is summed into a per-worker scratch and written into the
// output once finished.
//
// Every element is summed exactly as the usual path sums it: the kernel
// accumulates a product in order of p over the same KC slices with a fused
// multiply-add (whose product is exact, so which operand is the weight does
// not matter), the slices are added in order to the first one, and the bias
// then ReLU come last. So the results are the usual path's bits, for any
// number of workers (TestPixelMajorSameBits).
//
// The weights are kept float32 in the kernel's B layout from Compile
// (natively only, as Winograd's).

// pixelMajorWeights are a conv's weights (m x k) laid out for the kernel's
// B operand: for each sliver of nr output channels, k rows of nr values
// (channels past m zero), in the rounding of their dequantized values.
type pixelMajorWeights struct {
	nr, m, k int
	w        []float32
}

func newPixelMajorWeights(w Weights, m, k, nr int) *pixelMajorWeights {
	ms := (m + nr - 1) / nr
	pw := &pixelMajorWeights{nr: nr, m: m, k: k, w: make([]float32, ms*k*nr)}
	buf := make([]float32, k)
	for ch := 0; ch < m; ch++ {
		vals := w.values(ch*k, k, ch, buf)
		dst := pw.w[(ch/nr)*k*nr+ch%nr:]
		for p, v := range vals {
			dst[p*nr] = v
		}
	}
	return pw
}

// pixelMajor returns w's pixel-major weights, or nil.
func (w Weights) pixelMajor() *pixelMajorWeights {
	if w.Packed == nil {
		return nil
	}
	pw, _ := w.Packed.Ext.(*pixelMajorWeights)
	return pw
}

// usePixelMajor reports whether a conv that takes the GEMM path (no
// groups) runs pixel-major with kernel kern: when that computes at most
// 7/8 of the usual path's padded tiles, its scratch of transposed tiles
// (npix x NR) stays within pmScratch beside the kernel's operands in L1,
// and its packed pixels (k x npix rounded up to MR) fit the im2col budget.
// At 14x14 (196 pixels, 12% of the usual tiles wasted) the scratch was 25
// KiB and the path took 1.5-1.8 times the usual one's CPU time
// (BenchmarkPixelMajor); at 7x7 it takes 15-20% less.
func usePixelMajor(g Geom, kern gemm.Kernel) bool {
	mr, nr := kern.MR, kern.NR
	if g.Group != 1 || mr <= 0 || nr <= mr {
		return false
	}
	npix := g.OH * g.OW
	k := g.C * g.KH * g.KW
	usual := roundUp(g.M, mr) * roundUp(npix, nr)
	swapped := roundUp(g.M, nr) * roundUp(npix, mr)
	return 8*swapped <= 7*usual && roundUp(npix, mr)*nr <= pmScratch && k*roundUp(npix, mr) <= colBudget
}

// pmScratch bounds the pixel-major scratch (float32s: 16 KiB).
const pmScratch = 4096

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// pixelMajorConv computes conv g of image n's input xn into yn with the
// pixel-major weights pw; col is an im2col buffer of k*npix floats (unused
// by pointwise convs, whose input is the matrix).
func pixelMajorConv(g Geom, xn []float32, pw *pixelMajorWeights, bias, yn []float32, relu bool, workers int, t gemm.Tiles, col []float32, pointwise bool) {
	kern := t.Kernel
	mr, nr := kern.MR, kern.NR
	npix, k := g.OH*g.OW, pw.k
	b := xn
	if !pointwise {
		im2col(g, xn, nil, col, g.C, 0, npix, workers)
		b = col
	}
	// The pixels, packed once for all workers: for each KC slice, for each
	// sliver of mr pixels, kc rows of mr values (pixels past npix zero).
	kcMax := max(t.KC, 1)
	ps := (npix + mr - 1) / mr
	abuf := colPool.get(ps * mr * k)
	defer colPool.put(abuf)
	a := (*abuf)[:ps*mr*k]
	par.ForChunks(workers, k, chunksPerWorker*workers, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			p0 := p / kcMax * kcMax
			kc := min(kcMax, k-p0)
			row := b[p*npix : (p+1)*npix]
			blk := a[p0*ps*mr+(p-p0)*mr:]
			full := npix / mr // slivers without padding
			if mr == 4 {
				for s := 0; s < full; s++ {
					*(*[4]float32)(blk[s*kc*4:]) = *(*[4]float32)(row[s*4:])
				}
			} else {
				for s := 0; s < full; s++ {
					copy(blk[s*kc*mr:s*kc*mr+mr], row[s*mr:])
				}
			}
			if full < ps {
				d := blk[full*kc*mr : full*kc*mr+mr]
				clear(d)
				copy(d, row[full*mr:])
			}
		}
	})
	ms := (g.M + nr - 1) / nr
	if float64(g.M)*float64(npix)*float64(k) < 1<<18 {
		workers = 1
	}
	par.ForChunks(workers, ms, chunksPerWorker*workers, func(lo, hi int) {
		sbuf := colPool.get((ps + 1) * mr * nr)
		defer colPool.put(sbuf)
		acc := (*sbuf)[:mr*nr]
		ct := (*sbuf)[mr*nr : (ps+1)*mr*nr] // C transposed: [sliver][mr][nr]
		for s := lo; s < hi; s++ {
			ws := pw.w[s*k*nr : (s+1)*k*nr]
			for p0 := 0; p0 < k; p0 += kcMax {
				kc := min(kcMax, k-p0)
				bs := ws[p0*nr : (p0+kc)*nr]
				blk := a[p0*ps*mr:]
				for q := 0; q < ps; q++ {
					// Three or two pixel slivers at a time (consecutive in
					// blk, as in a packed A block) where the kernel has
					// the taller tiles: each weight vector loaded feeds 12
					// or 8 rows instead of 4, and ct is written straight
					// from the registers: C = acc on the first slice, C +
					// acc after, the bits of the copy and vec.Add below.
					// The first tile of a slice prefetches the weights'
					// next slice (the kc*nr floats after bs: the next
					// slice, or the next sliver's first): the weights
					// (4 MB at ResNet-50's layer4) come from memory, and
					// that tile waited on them.
					if rem := ps - q; kern.TileTriple != nil && rem >= 3 && rem != 4 {
						kern.TileTriple(kc, blk[q*kc*mr:(q+3)*kc*mr], bs, nr, ct[q*mr*nr:], nr, nr, p0 == 0, false, q == 0, nil, nil, false)
						q += 2
						continue
					}
					if kern.TilePair != nil && ps-q >= 2 {
						kern.TilePair(kc, blk[q*kc*mr:(q+2)*kc*mr], bs, nr, ct[q*mr*nr:], nr, nr, p0 == 0, false, q == 0, nil, nil, false)
						q++
						continue
					}
					kern.Fn(kc, blk[q*kc*mr:(q+1)*kc*mr], bs, acc)
					dst := ct[q*mr*nr : (q+1)*mr*nr]
					if p0 == 0 {
						copy(dst, acc)
					} else {
						vec.Add(dst, dst, acc)
					}
				}
			}
			storeBiasRelu(g, ct, yn, bias, relu, s*nr, min(nr, g.M-s*nr), mr, nr, npix)
		}
	})
}

// storeBiasRelu is storeTransposed with the bias and ReLU applied to ct
// first, as vectors where the build has them (biasReluRows): the same
// bits.
func storeBiasRelu(g Geom, ct, y, bias []float32, relu bool, m0, mc, mr, nr, npix int) {
	var bpad [64]float32 // NR is at most 32 (AVX-512)
	if vectorOutput && nr <= len(bpad) {
		var bp []float32
		if bias != nil {
			bp = bpad[:nr] // channels past M: zero
			copy(bp, bias[m0:m0+mc])
		}
		if biasReluRows(ct, npix, nr, bp, relu) {
			// ct is npix rows of nr channels (sliver q's row i is pixel
			// q*mr+i): a plain transpose into y's channel rows.
			// transposeStore moves 16x16 blocks through vector registers,
			// about twice as fast as storeTransposed's one value at a time
			// (49 to 3136 pixels; 3-4% of a ResNet-50 pass was
			// storeTransposed, through pixel-major, winogradTM and
			// directChan).
			if !transposeStore(ct, y[m0*npix:], npix, nr, mc, npix) {
				storeTransposed(g, ct, y, nil, false, m0, mc, mr, nr, npix)
			}
			return
		}
	}
	storeTransposed(g, ct, y, bias, relu, m0, mc, mr, nr, npix)
}

// storeTransposed writes channels m0..m0+mc-1 of the finished tiles ct
// ([pixel sliver][mr][nr]) into y (M x npix), adding the bias then
// applying ReLU as gemm's epilogue does.
func storeTransposed(g Geom, ct, y, bias []float32, relu bool, m0, mc, mr, nr, npix int) {
	for j := 0; j < mc; j++ {
		ch := m0 + j
		out := y[ch*npix : (ch+1)*npix]
		var bv float32
		if bias != nil {
			bv = bias[ch]
		}
		// Pixel px is row px%mr of sliver px/mr: walk the tiles' rows in
		// order, no division per value.
		src := ct[j:]
		for px := range out {
			v := src[px*nr]
			if bias != nil {
				v += bv
			}
			if relu && v < 0 {
				v = 0
			}
			out[px] = v
		}
	}
}
