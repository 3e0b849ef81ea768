package conv

import (
	"unsafe"

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
//   - U' = G' q G't of every int8 kernel q, exact in int16, kept from
//     Compile (Prepack, winogradTMWeights), laid out as the kernel reads B:
//     u[sliver of NR channels][xi][c][NR];
//   - V = Bt d B of every tile, laid out as transformInput lays it out for
//     slivers of MR tiles: v[xi][sliver of MR tiles][c][MR], the kernel's A
//     layout, once per image;
//   - per sliver of NR output channels and position xi, its B sliver of U'
//     widened to float32 (C x NR, exact), the kernel computes each tile
//     sliver's product over all C at once into prod[xi][tile sliver][MR][NR],
//     then At m A turns prod into outputs, times each channel's s/4, then
//     the bias and ReLU.
//
// Every element is computed by the same operations in the same order
// whatever the number of workers: the same bits for any
// (TestWinogradTMMatchesNaive). They are not the usual Winograd path's
// (that one rounds the dequantized kernels' transform; here the scale
// comes after the sum), but within float32 rounding of Naive.
//
// Natively, on 7x7 maps, it takes 25-30% less time than the pixel-major
// GEMM it replaces there. BenchmarkSmall3x3, cpu-ms, best of three at load
// 9 (pixel-major / winogradTM with float32 kernels): 512x512 7x7 cold 2.22
// / 1.62, hot 2.01 / 1.42; 192->384 cold 0.67 / 0.52, hot 0.57 / 0.32. The
// int16 kernels (half the bytes: 8 MiB for 512x512 channels, where the
// float32 ones were 16 MiB and the pixel-major copy 9 MiB) cost the
// widening where the kernels are in cache (192->384 hot 0.28 -> 0.31) and
// gain where they come from memory, as in a model's pass: TestLayerProfile,
// median of three runs' medians, float32 -> int16 kernels: GoogLeNet
// inception5a/5b branch2.1 0.40 -> 0.36, 0.55 -> 0.50 ms, ResNet-18
// layer4.1.conv1 1.65 -> 1.59, ResNet-50 layer4.1.conv2 1.70 -> 1.56. At
// 14x14 (49 tiles) it first lost to the usual Winograd path (float32
// kernels, scalar bias and ReLU: 256x256 hot 0.99 / 1.14), now it wins
// there too (useWinogradTM).
func winogradTM(g Geom, x []float32, ww *winogradTMWeights, bias, y []float32, relu bool, workers int, t gemm.Tiles) {
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
		// The padded copy and the transform, split by input channels
		// (each value computed as before: the same bits). On the
		// caller's thread alone they were about a third of a
		// 256-channel 14x14 conv's time with two workers: ResNet-18's
		// layer3 3x3 convs ran 1.22-1.36 times faster on two workers
		// than on one, 1.66-1.87 times with the split
		// (TestLayerProfile, 21 passes, two alternating rounds).
		par.ForChunks(workers, g.C, chunksPerWorker*workers, func(lo, hi int) {
			g1, gp1 := g, gp
			g1.C, gp1.C = hi-lo, hi-lo
			padInput(g1, gp1, xn[lo*g.H*g.W:hi*g.H*g.W], xp[lo*gp.H*gp.W:hi*gp.H*gp.W])
			transformInputC(gp, xp, v, vst, mr, 0, tiles, tilesX, lo, hi)
		})
		par.ForChunks(workers, ms, chunksPerWorker*workers, func(lo, hi int) {
			npix := g.OH * g.OW
			pbuf := colPool.get(16*pst + npix*nr + g.C*nr)
			defer colPool.put(pbuf)
			prod := (*pbuf)[:16*pst]
			stage := (*pbuf)[16*pst : 16*pst+npix*nr]
			b := (*pbuf)[16*pst+npix*nr:]
			for s := lo; s < hi; s++ {
				sc := ww.scale[s*nr : (s+1)*nr]
				for xi := 0; xi < 16; xi++ {
					widenInt16(b, ww.u[(s*16+xi)*g.C*nr:(s*16+xi+1)*g.C*nr])
					for q := 0; q < ps; q++ {
						a := v[xi*vst+q*g.C*mr:]
						o := xi*pst + q*mr*nr
						// Three or two tile slivers at a time (consecutive
						// in v, their products consecutive in prod), as
						// winograd's loop takes them: each weight vector
						// loaded feeds 12 or 8 rows instead of 4, and B
						// (C x NR: 64 KB at 512 channels, past L1) is read
						// a third as often. C = acc, as Fn stores: the
						// same bits.
						// The first also prefetches the int16 kernels the
						// next widenInt16 reads (the next position's, or
						// the next sliver's first: u is one run), g.C*nr
						// values, 64*g.C bytes with NR 32, what a PF tile
						// prefetches: they come from memory (8 MiB at
						// 512x512 channels), and widenInt16 waited on
						// them, about a quarter of winogradTM's time in a
						// ResNet-50 pass.
						var pf unsafe.Pointer
						if next := (s*16 + xi + 1) * g.C * nr; q == 0 && next < len(ww.u) && nr == 32 {
							pf = unsafe.Pointer(&ww.u[next])
						}
						if rem := ps - q; kern.TileTriple != nil && rem >= 3 && rem != 4 {
							if pf != nil && kern.TileTriplePF != nil {
								kern.TileTriplePF(g.C, a[:3*g.C*mr], b, nr, prod[o:o+3*mr*nr], nr, nr, true, false, pf, nil, nil, false)
							} else {
								kern.TileTriple(g.C, a[:3*g.C*mr], b, nr, prod[o:o+3*mr*nr], nr, nr, true, false, false, nil, nil, false)
							}
							q += 2
							continue
						}
						if kern.TilePair != nil && ps-q >= 2 {
							if pf != nil && kern.TilePairPF != nil {
								kern.TilePairPF(g.C, a[:2*g.C*mr], b, nr, prod[o:o+2*mr*nr], nr, nr, true, false, pf, nil, nil, false)
							} else {
								kern.TilePair(g.C, a[:2*g.C*mr], b, nr, prod[o:o+2*mr*nr], nr, nr, true, false, false, nil, nil, false)
							}
							q++
							continue
						}
						kern.Fn(g.C, a[:g.C*mr], b, prod[o:o+mr*nr])
					}
				}
				mc := min(nr, g.M-s*nr)
				if !vectorOutput || nr%16 != 0 || !outputTM16(g, prod, stage, sc, pst, mr, nr, tiles, tilesX) {
					transformOutputTM(g, prod, yn, sc, bias, relu, pst, mr, nr, s*nr, mc, tiles, tilesX)
					continue
				}
				storeBiasRelu(g, stage, yn, bias, relu, s*nr, mc, mr, nr, npix)
			}
		})
	}
}

// outputTM16 turns the products of one sliver of nr output channels (prod
// laid out [xi][tile sliver][mr][nr], positions plane floats apart) into
// their 2x2 outputs Y = At m A times the channels' scales sc, 16 channels
// at a time (winoOutTM16), into stage laid out [output pixel][nr] as
// storeTransposed reads it, without bias or ReLU (storeTransposed adds
// them). It reports false where winoOutTM16 has no vectors.
// transformOutputTM, four channels at a time with scalar stores into the
// output, was a seventh of a 512-channel 7x7 conv's CPU profile; this
// gained less than that: BenchmarkSmall3x3 512x512 7x7 hot 1.33 -> 1.30
// cpu-ms, best of four (cold the same: the conv waits on its kernels U).
func outputTM16(g Geom, prod, stage, sc []float32, plane, mr, nr, tiles, tilesX int) bool {
	var ys [4][16]float32
	for t := 0; t < tiles; t++ {
		oy, ox := 2*(t/tilesX), 2*(t%tilesX)
		for h := 0; h < nr; h += 16 {
			if !winoOutTM16(prod[(t/mr)*mr*nr+(t%mr)*nr+h:], plane, (*[16]float32)(sc[h:]), &ys) {
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

// transformOutputTM is outputTM16 one channel at a time, in scalars,
// storing into the output with the bias and ReLU as storeTransposed does
// (the same operations in the same order: the same bits).
func transformOutputTM(g Geom, prod, y, sc, bias []float32, relu bool, plane, mr, nr, m0, mc, tiles, tilesX int) {
	for j := 0; j < mc; j++ {
		out := y[(m0+j)*g.OH*g.OW : (m0+j+1)*g.OH*g.OW]
		for t := 0; t < tiles; t++ {
			p := prod[(t/mr)*mr*nr+(t%mr)*nr+j:]
			p = p[:15*plane+1]
			s00 := p[0] + p[4*plane] + p[8*plane]
			s01 := p[plane] + p[5*plane] + p[9*plane]
			s02 := p[2*plane] + p[6*plane] + p[10*plane]
			s03 := p[3*plane] + p[7*plane] + p[11*plane]
			s10 := p[4*plane] - p[8*plane] - p[12*plane]
			s11 := p[5*plane] - p[9*plane] - p[13*plane]
			s12 := p[6*plane] - p[10*plane] - p[14*plane]
			s13 := p[7*plane] - p[11*plane] - p[15*plane]
			// float32(): rounded before the bias is added, never fused.
			ys := [4]float32{float32((s00 + s01 + s02) * sc[j]), float32((s01 - s02 - s03) * sc[j]), float32((s10 + s11 + s12) * sc[j]), float32((s11 - s12 - s13) * sc[j])}
			oy, ox := 2*(t/tilesX), 2*(t%tilesX)
			for k, d := range [4][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
				yy, xx := oy+d[0], ox+d[1]
				if yy >= g.OH || xx >= g.OW {
					continue
				}
				v := ys[k]
				if bias != nil {
					v += bias[m0+j]
				}
				if relu && v < 0 {
					v = 0
				}
				out[yy*g.OW+xx] = v
			}
		}
	}
}

// useWinogradTM reports whether g takes winogradTM with kernel kern, when
// its kernels are kept for it (natively, see LayoutFor): a 3x3 stride-1
// conv without groups or dilation, at least 16 channels in and out (as
// useWinograd), at most 64 tiles (maps up to 16x16: ResNet's layer3 and
// layer4, GoogLeNet's inception 4 and 5, AlexNet's last three convs), and
// a kernel wider than tall. It takes such convs from the usual Winograd
// path where that applies (14x14, 13x13): with int16 kernels and its
// bias and ReLU in vectors (biasReluRows), BenchmarkSmall3x3 cold, best of
// three, usual -> winogradTM: 256x256 14x14 1.23 -> 0.99 cpu-ms, 160->320
// 0.87 -> 0.80, 112->224 0.47 -> 0.44; 384->256 13x13 (AlexNet) 2.00 ->
// 1.54 (with float32 kernels and scalar stores it had lost: 256x256 hot
// 0.99 / 1.14). Its int16 kernels are half the usual path's float32 ones.
func useWinogradTM(g Geom, kern gemm.Kernel) bool {
	tiles := ((g.OH + 1) / 2) * ((g.OW + 1) / 2)
	return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.Group == 1 && g.C >= 16 && g.M >= 16 && tiles <= 64 &&
		kern.MR > 0 && kern.NR > kern.MR
}

// winogradTMWeights are the transformed kernels winogradTM reads, from
// int8 weights q with a scale s per output channel: U' = G' q G't with
// G' = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2], integers of at most 1152 in
// magnitude, held exactly as int16, and the kernel's U = G (s q) Gt is
// s/4 U'. u is laid out as the micro-kernel reads B (NR columns):
// u[sliver of mr output channels][xi][c][mr], mr the kernel's NR, so that
// a worker's sliver is one run of memory for the prefetcher (position
// outermost, BenchmarkSmall3x3 cold took 4-9% longer on 7x7 to 14x14
// maps, best of four: 192->384 7x7 0.45 -> 0.41 cpu-ms, 256x256 14x14
// 1.00 -> 0.96, 112->224 0.46 -> 0.42; 512x512 the same); scale
// holds s/4 per output channel (0 past m), applied after the sum over
// input channels. Half the bytes of float32 kernels (8 MiB for 512x512
// channels, less than the pixel-major copy's 9 MiB), and a 7x7 conv waits
// on those bytes.
type winogradTMWeights struct {
	mr, m, c int
	u        []int16
	scale    []float32
}

// winogradTM returns w's kernels kept for winogradTM, or nil.
func (w Weights) winogradTM() *winogradTMWeights {
	if w.Packed == nil {
		return nil
	}
	tw, _ := w.Packed.Ext.(*winogradTMWeights)
	return tw
}

// newWinogradTMWeights transforms w's int8 kernels (m x c, 3x3) for
// winogradTM with a kernel of nr columns.
func newWinogradTMWeights(w Weights, m, c, nr int) *winogradTMWeights {
	ms := (m + nr - 1) / nr
	tw := &winogradTMWeights{mr: nr, m: m, c: c, u: make([]int16, 16*ms*nr*c), scale: make([]float32, ms*nr)}
	plane := c * nr // one position's C x NR block of a sliver
	for ch := 0; ch < m; ch++ {
		tw.scale[ch] = w.Scales[ch] * 0.25
		for ic := 0; ic < c; ic++ {
			k := w.Q[(ch*c+ic)*9 : (ch*c+ic+1)*9]
			var t [4][3]int32 // G' q
			for j := 0; j < 3; j++ {
				g0, g1, g2 := int32(k[j]), int32(k[3+j]), int32(k[6+j])
				t[0][j], t[1][j], t[2][j], t[3][j] = 2*g0, g0+g1+g2, g0-g1+g2, 2*g2
			}
			o := (ch/nr)*16*plane + ic*nr + ch%nr
			for i := 0; i < 4; i++ { // (G' q) G't
				t0, t1, t2 := t[i][0], t[i][1], t[i][2]
				tw.u[(i*4+0)*plane+o] = int16(2 * t0)
				tw.u[(i*4+1)*plane+o] = int16(t0 + t1 + t2)
				tw.u[(i*4+2)*plane+o] = int16(t0 - t1 + t2)
				tw.u[(i*4+3)*plane+o] = int16(2 * t2)
			}
		}
	}
	return tw
}
