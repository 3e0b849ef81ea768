package conv

import (
	"convscope/engine/internal/par"
)

// The direct path serves strided convs with few input channels: the first
// layers of ResNet and GoogLeNet (7x7 stride 2, 3 channels, 224x224 ->
// 112x112) and AlexNet (11x11 stride 4). Through im2col + GEMM such a conv
// copied its 147 x 12544 input taps twice (im2col's column matrix, 7 MB,
// then the GEMM's packed B panels): 0.9 of its 2.6 ms natively, with the
// arithmetic (236 MFLOP) about 1.3.
//
// Here nothing is copied per tap. The input is laid out once as padded
// column-phase planes (directPlanes): plane (c, r) holds, for every row of
// the zero-padded input, its columns r, r+SW, r+2*SW, ... For output row
// oy, tap (c, ky, kx) reads input row oy*SH + ky*DH and columns ox*SW +
// kx*DW: in plane (c, kx*DW mod SW), columns ox + kx*DW/SW, so consecutive
// output pixels of a row read consecutive plane values. A row of output
// pixels is cut into segments of directSeg (one AVX-512 vector); for every
// tap, a segment's values are one load at a fixed offset (off[p]) from the
// segment's base in the planes. The kernel computes 8 output channels x 2
// segments over all k taps with B loaded straight from the planes, then
// adds the bias and applies the ReLU and stores the segments into the
// output rows. The tile is twice the GEMM's 4x32: with B loaded from the
// planes at run-time offsets, Go's code of the 4x32 loop (Float32x16)
// moved its accumulators between registers and spilled one each
// iteration, and ran at about 140 GFLOP/s; the 8x32 tile in assembly keeps
// its 16 accumulators in Z16-Z31 (direct_amd64.s).
//
// Every output element is summed over p = (c, ky, kx) in increasing order
// from zero with a fused multiply-add, then the bias is added and the ReLU
// applied: for k <= the GEMM's KC (256; ResNet's and GoogLeNet's 147) the
// AVX-512 GEMM's operations, so the same bits as the im2col path
// (TestDirectSameBits). Deeper (AlexNet's 363) the GEMM adds the sums of
// its KC slices, the direct path sums in one chain: within rounding.
// Either way the bits do not depend on the number of workers or on the
// band of output rows.

// directSeg is the width of an output row segment: one Float32x16.
const directSeg = 16

// directTileFn computes an 8-channel x 2-segment tile (see directTileGo).
// acc is the kernel's scratch: one per goroutine, so that it is not
// zeroed on every call (a stack array was, 4% of the conv).
type directTileFn func(k int, a []float32, off []int, planes []float32, b0, b1 int, y []float32, d0, d1, ldy, rows, n0, n1 int, bias []float32, relu bool, acc *[256]float32)

// useDirect reports whether Forward takes the direct path for g (given a
// kernel, directKernel != nil): no groups, a column stride of 2 or more,
// at most directMaxC input channels and directMaxK taps (the A sliver,
// 8*k values, stays in L1; AlexNet's 11x11 first layer has 363), and output rows of at least one segment (narrower rows would
// waste most of each vector). It depends on nothing a band of output rows
// changes (RowBand).
func useDirect(g Geom) bool {
	k := g.C * g.KH * g.KW
	return g.Group == 1 && g.SW >= 2 && g.C <= directMaxC && k <= directMaxK && g.OW >= directSeg
}

const (
	directMaxC = 4
	directMaxK = 512
)

// directGeom holds what the direct path derives from a Geom: the planes'
// sizes, the tap offsets and the segments.
type directGeom struct {
	hp, wp int   // rows and columns of a plane
	off    []int // off[p]: tap p's offset from a segment's base in the planes
	segs   int   // segments per output row
}

func newDirectGeom(g Geom) directGeom {
	d := directGeom{segs: (g.OW + directSeg - 1) / directSeg}
	d.hp = (g.OH-1)*g.SH + (g.KH-1)*g.DH + 1
	// A segment at the end of a row reads a whole vector: up to column
	// segs*directSeg - 1 + the largest tap's shift.
	d.wp = d.segs*directSeg + (g.KW-1)*g.DW/g.SW
	d.off = make([]int, 0, g.C*g.KH*g.KW)
	for c := 0; c < g.C; c++ {
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				t := kx * g.DW
				d.off = append(d.off, ((c*g.SW+t%g.SW)*d.hp+ky*g.DH)*d.wp+t/g.SW)
			}
		}
	}
	return d
}

// size is the number of values of the planes of one image.
func (d directGeom) size(g Geom) int { return g.C * g.SW * d.hp * d.wp }

// directPlanes writes image x's padded column-phase planes into pl: value
// (i, j) of plane (c, r) is x[c, i-PT, j*SW+r-PL], 0 outside the input.
func directPlanes(g Geom, d directGeom, x, pl []float32, workers int) {
	rows := g.C * g.SW * d.hp
	if rows*d.wp < 1<<15 {
		workers = 1
	}
	par.ForChunks(workers, rows, chunksPerWorker*workers, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			c, r, i := row/(g.SW*d.hp), row/d.hp%g.SW, row%d.hp
			dst := pl[row*d.wp : (row+1)*d.wp]
			iy := i - g.PT
			if iy < 0 || iy >= g.H {
				clear(dst)
				continue
			}
			src := x[(c*g.H+iy)*g.W : (c*g.H+iy+1)*g.W]
			// Plane column j reads input column j*SW + r - PL: those
			// below 0 (j < j0) and past the row (j >= j1) are padding.
			j0 := min(d.wp, max(0, (g.PL-r+g.SW-1)/g.SW))
			j1 := max(j0, min(d.wp, (g.W+g.PL-r+g.SW-1)/g.SW))
			clear(dst[:j0])
			ix := j0*g.SW + r - g.PL
			for j := j0; j < j1; j++ {
				dst[j] = src[ix]
				ix += g.SW
			}
			clear(dst[j1:])
		}
	})
}

// directWeights packs the weights of g (m x k) into 8-row slivers,
// a[s*8*k + p*8 + i] = weight (8s+i, p) in its dequantized rounding,
// rows past M zero.
func directWeights(g Geom, w Weights, a []float32) {
	k := g.C * g.KH * g.KW
	clear(a)
	buf := make([]float32, k)
	for m := 0; m < g.M; m++ {
		vals := w.values(m*k, k, m, buf)
		dst := a[(m/8)*8*k+m%8:]
		for p, v := range vals {
			dst[p*8] = v
		}
	}
}

// direct computes Forward's result for a geometry useDirect accepts with
// the tile kernel kern.
func direct(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int, kern directTileFn) {
	d := newDirectGeom(g)
	k := len(d.off)
	slivers := (g.M + 7) / 8
	abuf := colPool.get(slivers * 8 * k)
	defer colPool.put(abuf)
	a := *abuf
	directWeights(g, w, a)
	var bpad []float32 // the bias of M rounded up to 8
	if bias != nil {
		bpad = make([]float32, slivers*8)
		copy(bpad, bias[:g.M])
	}
	psize := d.size(g)
	pbuf := colPool.get(psize)
	defer colPool.put(pbuf)
	pl := *pbuf
	// The kernel loads through pointers: every load a tile makes must lie
	// in pl. The largest base is the last segment of the last row.
	maxOff := 0
	for _, o := range d.off {
		maxOff = max(maxOff, o)
	}
	if last := (g.OH-1)*g.SH*d.wp + (d.segs-1)*directSeg; last+maxOff+directSeg > psize {
		panic("conv: direct planes too small")
	}
	npix := g.OH * g.OW
	segs := g.OH * d.segs
	tiles := (segs + 1) / 2
	// seg returns segment s's base in the planes, its first output
	// pixel and its width.
	seg := func(s int) (base, pix, n int) {
		oy, ox := s/d.segs, s%d.segs*directSeg
		return oy*g.SH*d.wp + ox, oy*g.OW + ox, min(directSeg, g.OW-ox)
	}
	for n := 0; n < g.N; n++ {
		directPlanes(g, d, x[n*g.C*g.H*g.W:(n+1)*g.C*g.H*g.W], pl, workers)
		yn := y[n*g.M*npix : (n+1)*g.M*npix]
		par.ForChunks(workers, tiles, chunksPerWorker*workers, func(lo, hi int) {
			var acc [256]float32
			for t := lo; t < hi; t++ {
				b0, d0, n0 := seg(2 * t)
				b1, d1, n1 := b0, d0, 0 // an odd last segment: alone
				if 2*t+1 < segs {
					b1, d1, n1 = seg(2*t + 1)
				}
				for s := 0; s < slivers; s++ {
					var bs []float32
					if bpad != nil {
						bs = bpad[8*s : 8*s+8]
					}
					rows := min(8, g.M-8*s)
					kern(k, a[s*8*k:], d.off, pl, b0, b1, yn, 8*s*npix+d0, 8*s*npix+d1, npix, rows, n0, n1, bs, relu, &acc)
				}
			}
		})
	}
}

// directTileGo is the portable tile kernel (tests hold the SIMD one to the
// definition through it): for each row i < rows of the 8-row weight sliver
// a (a[p*8+i]), and each of the two segments whose planes start at b0 and
// b1, it sums a[p*4+i] * planes[b+off[p]+j] over p for the segment's
// first n values j, adds bias[i] (bias nil: none), applies the ReLU and
// stores the value at y[d + i*ldy + j].
func directTileGo(k int, a []float32, off []int, planes []float32, b0, b1 int, y []float32, d0, d1, ldy, rows, n0, n1 int, bias []float32, relu bool, _ *[256]float32) {
	for i := 0; i < rows; i++ {
		for _, sg := range [2][3]int{{b0, d0, n0}, {b1, d1, n1}} {
			b, dst, n := sg[0], sg[1]+i*ldy, sg[2]
			for j := 0; j < n; j++ {
				var s float32
				for p := 0; p < k; p++ {
					s += a[p*8+i] * planes[b+off[p]+j]
				}
				if bias != nil {
					s += bias[i]
				}
				if relu && s < 0 {
					s = 0
				}
				y[dst+j] = s
			}
		}
	}
}
