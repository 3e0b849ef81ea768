package conv

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/par"
)

// winogradTM is Winograd F(2x2, 3x3) with the micro-kernel's roles swapped,
// as the pixel-major GEMM swaps them: tiles along its MR rows, output
// channels along its NR columns. On small maps the usual roles waste most
// of a register tile: 7x7 has 16 tiles, half of a 32-wide sliver; 14x14 has
// 49, two slivers with 15 empty columns. Here 16 tiles fill four rows of
// four and 49 take 52 rows, and a multiple of NR channels wastes nothing.
//
//   - U = G g Gt of every kernel, kept from Compile (Prepack), laid out as
//     transformWeights lays it out for a micro-kernel of NR rows:
//     u[xi][sliver of NR channels][c][NR], which is the kernel's B layout;
//   - V = Bt d B of every tile, laid out as transformInput lays it out for
//     slivers of MR tiles: v[xi][sliver of MR tiles][c][MR], the kernel's A
//     layout, once per image;
//   - per sliver of NR output channels, the kernel computes each (xi, tile
//     sliver) product over all C at once into prod[xi][tile sliver][MR][NR]
//     (one B sliver of U, C x NR floats, stays in L1 for all tile slivers),
//     then At m A turns prod into outputs (with bias and ReLU).
//
// Every product sums over c in order with a fused multiply-add, as the
// usual Winograd path does (the product of an FMA is exact, so which
// operand is the kernel's A does not matter), and the output transform is
// the same: the results are the usual path's bits, for any number of
// workers (TestWinogradTMSameBits).
//
// Natively, on 7x7 maps, it takes 25-30% less time than the pixel-major
// GEMM it replaces there, with its kernels kept (16 floats per 3x3 kernel:
// 16 MiB for 512x512 channels, the pixel-major copy was 9 MiB).
// BenchmarkSmall3x3, cpu-ms, best of three at load 9 (pixel-major /
// winogradTM): 512x512 7x7 cold 2.22 / 1.62, hot 2.01 / 1.42; 192->384
// cold 0.67 / 0.52, hot 0.57 / 0.32. At 14x14 (49 tiles) it lost to the
// usual Winograd path: 256x256 hot 0.99 / 1.14, 160->320 0.76 / 1.05.
func winogradTM(g Geom, x []float32, ww *winogradWeights, bias, y []float32, relu bool, workers int, t gemm.Tiles) {
	kern := t.Kernel
	mr, nr := kern.MR, kern.NR
	tilesY, tilesX := (g.OH+1)/2, (g.OW+1)/2
	tiles := tilesY * tilesX
	ps := (tiles + mr - 1) / mr // tile slivers
	ms := (g.M + nr - 1) / nr   // channel slivers
	gp := padGeom(g, tilesY, tilesX)
	vst := ps*mr*g.C + winoPad // one position's plane of V
	pst := ps*mr*nr + winoPad  // one position's plane of products
	buf := colPool.get(16*vst + gp.C*gp.H*gp.W)
	defer colPool.put(buf)
	v := (*buf)[:16*vst]
	xp := (*buf)[16*vst:]
	if float64(g.M)*float64(g.C)*float64(tiles) < 1<<16 {
		workers = 1
	}
	for n := 0; n < g.N; n++ {
		xn := x[n*g.C*g.H*g.W : (n+1)*g.C*g.H*g.W]
		yn := y[n*g.M*g.OH*g.OW : (n+1)*g.M*g.OH*g.OW]
		padInput(g, gp, xn, xp)
		transformInput(gp, xp, v, vst, mr, 0, tiles, tilesX)
		par.ForChunks(workers, ms, chunksPerWorker*workers, func(lo, hi int) {
			npix := g.OH * g.OW
			pbuf := colPool.get(16*pst + npix*nr)
			defer colPool.put(pbuf)
			prod := (*pbuf)[:16*pst]
			stage := (*pbuf)[16*pst:]
			for s := lo; s < hi; s++ {
				for xi := 0; xi < 16; xi++ {
					b := ww.u[(xi*ms+s)*g.C*nr : (xi*ms+s+1)*g.C*nr]
					for q := 0; q < ps; q++ {
						a := v[xi*vst+q*g.C*mr : xi*vst+(q+1)*g.C*mr]
						o := xi*pst + q*mr*nr
						kern.Fn(g.C, a, b, prod[o:o+mr*nr])
					}
				}
				mc := min(nr, g.M-s*nr)
				if !vectorOutput || nr%16 != 0 || !outputTM16(g, prod, stage, bias == nil, pst, mr, nr, tiles, tilesX) {
					transformOutputTM(g, prod, yn, bias, relu, pst, mr, nr, s*nr, mc, tiles, tilesX)
					continue
				}
				storeTransposed(g, stage, yn, bias, relu, s*nr, mc, mr, nr, npix)
			}
		})
	}
}

// outputTM16 turns the products of one sliver of nr output channels (prod
// laid out [xi][tile sliver][mr][nr], positions plane floats apart) into
// their 2x2 outputs Y = At m A, 16 channels at a time (winoOutTM16), into
// stage laid out [output pixel][nr] as storeTransposed reads it, without
// bias or ReLU (storeTransposed adds them; zero adds winoOut's bias 0 when
// there is none). It reports false where winoOutTM16 has no vectors.
// transformOutputTM, four channels at a time with scalar stores into the
// output, was a seventh of a 512-channel 7x7 conv's CPU profile; this
// gained less than that: BenchmarkSmall3x3 512x512 7x7 hot 1.33 -> 1.30
// cpu-ms, best of four (cold the same: the conv waits on its kernels U).
func outputTM16(g Geom, prod, stage []float32, zero bool, plane, mr, nr, tiles, tilesX int) bool {
	var ys [4][16]float32
	for t := 0; t < tiles; t++ {
		oy, ox := 2*(t/tilesX), 2*(t%tilesX)
		for h := 0; h < nr; h += 16 {
			if !winoOutTM16(prod[(t/mr)*mr*nr+(t%mr)*nr+h:], plane, zero, &ys) {
				return false
			}
			for k, d := range [4][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
				if y, x := oy+d[0], ox+d[1]; y < g.OH && x < g.OW {
					copy(stage[(y*g.OW+x)*nr+h:(y*g.OW+x)*nr+h+16], ys[k][:])
				}
			}
		}
	}
	return true
}

// transformOutputTM turns the products of channels m0..m0+mc-1 (prod laid
// out [xi][tile sliver][mr][nr], positions plane floats apart) into their
// 2x2 outputs Y = At m A, adds the bias, applies ReLU and writes those
// inside the output, four channels of a tile at a time (winoOut4, whose
// lanes are then four channels: it adds a zero bias and no ReLU, and the
// channels' own come after; s+0 is s but for -0, which a bias or ReLU
// turns to what -0 gives, so the bits are winoOut's).
func transformOutputTM(g Geom, prod, y, bias []float32, relu bool, plane, mr, nr, m0, mc, tiles, tilesX int) {
	var ys [4][4]float32
	for j := 0; j < mc; j += 4 {
		jc := min(4, mc-j)
		var bv [4]float32
		if bias != nil {
			copy(bv[:jc], bias[m0+j:])
		}
		for t := 0; t < tiles; t++ {
			p := prod[(t/mr)*mr*nr+(t%mr)*nr+j:]
			oy, ox := 2*(t/tilesX), 2*(t%tilesX)
			winoOut4(p, plane, 0, false, &ys)
			for k := 0; k < jc; k++ {
				out := y[(m0+j+k)*g.OH*g.OW:]
				y00, y01, y10, y11 := ys[0][k]+bv[k], ys[1][k]+bv[k], ys[2][k]+bv[k], ys[3][k]+bv[k]
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
	}
}

// useWinogradTM reports whether g takes winogradTM with kernel kern, when
// its kernels are kept for it (natively, see LayoutFor): a 3x3 stride-1
// conv without groups or dilation, at least 16 channels in and out (as
// useWinograd), too few output pixels for useWinograd and at most 16 tiles
// (maps up to 8x8: ResNet's layer4 and GoogLeNet's inception 5 at 7x7),
// and a kernel wider than tall.
func useWinogradTM(g Geom, kern gemm.Kernel) bool {
	tiles := ((g.OH + 1) / 2) * ((g.OW + 1) / 2)
	return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.Group == 1 && g.C >= 16 && g.M >= 16 && !useWinograd(g) && tiles <= 16 &&
		kern.MR > 0 && kern.NR > kern.MR
}

// winogradTMWeights are the transformed kernels winogradTM reads: U laid
// out by transformWeights for a micro-kernel of NR rows, which is the
// kernel's B layout (NR columns).
type winogradTMWeights struct{ winogradWeights }

// winogradTM returns w's kernels kept for winogradTM, or nil.
func (w Weights) winogradTM() *winogradWeights {
	if w.Packed == nil {
		return nil
	}
	if tw, ok := w.Packed.Ext.(*winogradTMWeights); ok {
		return &tw.winogradWeights
	}
	return nil
}

// newWinogradTMWeights transforms w's kernels for winogradTM with a kernel
// of nr columns.
func newWinogradTMWeights(w Weights, m, c, nr int) *winogradTMWeights {
	return &winogradTMWeights{*newWinogradWeights(w, m, c, nr)}
}
