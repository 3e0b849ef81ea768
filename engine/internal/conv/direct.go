package conv

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/par"
)

// The direct path serves strided convs whose im2col + GEMM copies cost
// most: first layers with few input channels (ResNet's and GoogLeNet's
// 7x7 stride 2 on 3 channels, 224x224 -> 112x112; AlexNet's 11x11 stride
// 4) and ResNet's 3x3 stride-2 downsampling convs. Through im2col + GEMM
// the first layer copied its 147 x 12544 input taps twice (im2col's column
// matrix, 7 MB, then the GEMM's packed B panels): 0.9 of its 2.6 ms
// natively, with the arithmetic (236 MFLOP) about 1.3.
//
// Here nothing is copied per tap. The input is laid out once as padded
// phase planes (directPlanes, see directGeom): for every tap (c, ky, kx),
// the values that consecutive output pixels read are consecutive plane
// values, so a run of 16 output pixels (one AVX-512 vector) reads each tap
// as one load at a fixed offset (off[p]) from the run's base. The kernel
// computes 8 output channels x 3 runs over a slice of taps with B loaded
// straight from the planes, and stores the tile as the GEMM stores one:
// the first slice of taps stored, later ones added, then the bias and the
// ReLU. With B loaded from the planes at run-time offsets, Go's code of
// the GEMM's 4x32 loop (Float32x16) moved its accumulators between
// registers and spilled one each iteration, and ran at about 140 GFLOP/s;
// the tile in assembly keeps its accumulators in registers
// (direct_amd64.s). It is 8 x 48 (24 accumulators: 8 broadcasts and 3
// loads per 24 multiply-adds), not 8 x 32 (16: 8 and 2 per 16): the
// loads of B are at any offset, so nearly each is split over two cache
// lines, and on Ice Lake the 8 x 32 loop with such loads ran at 127-132
// GFLOP/s with its data in L1, the 8 x 48 one at 162-167 (peak about 179;
// /tmp microbenchmark, best of 10).
//
// The taps are taken in slices of the GEMM's KC, and every output element
// is summed over each slice in order of p = (c, ky, kx) from zero with a
// fused multiply-add: the AVX-512 GEMM's operations, so the bits of the
// im2col path (TestDirectSameBits), for any number of workers and any band
// of output rows.
//
// BenchmarkConvLayer, one worker, cpu-ms, im2col + GEMM (with gemm's
// TilePair) -> direct, 4 alternating rounds at load 3-4, medians:
// 7x7s2_3to64_224 about 2.45 -> 1.4, 3x3s2_64to128_56 1.01 -> 0.84,
// 3x3s2_128to256_28 1.08 -> 0.96, 3x3s2_128to128_56 2.16 -> 1.60
// (3x3s2_256to256_28 2.08 -> 1.69, but see directMaxS2C).

// directSeg is the width of an output row segment: one Float32x16.
const directSeg = 16

// directMaxSegs is the most segments a tile has.
const directMaxSegs = 4

// directShape is a tile's shape: r output channels (a weight sliver's
// rows) x segs segments.
type directShape struct{ r, segs int }

// directShapeFor is the tile shape for g: 8 x 3 segments (8 x 48), or 6 x
// 4 (6 x 64, 24 accumulators too) on output rows under 14 values: a 7x7
// output (ResNet's layer4.0 stride-2 convs, 14 -> 7) is 56 values of the
// planes (rows of 8 columns), which tiles of 48 cover in two (96 lanes for
// 49 outputs: BenchmarkConvLayer 3x3s2_256to512_14 2.23-2.83 cpu-ms
// against 2.23-2.37 pixel-major), tiles of 64 in one (1.60-2.12 against
// 1.77-2.95, 4 alternating rounds).
func directShapeFor(g Geom) directShape {
	if useDirectChan(g) {
		// The channel-vector kernel (direct_chan.go): slabs of 64
		// channels.
		return directShape{directChanC, 0}
	}
	if g.OW < 14 {
		return directShape{6, 4}
	}
	return directShape{8, 3}
}

// directTile is a tile's segments: segment s starts at b[s] in the planes
// and goes to y[d[s]:] (per row of the sliver, ldy apart), n[s] values
// (0: no segment, b[s] is then a valid base).
type directTile struct{ b, d, n [directMaxSegs]int }

// directTileFn computes an r-channel tile of the tile's segments (r 8: 3
// segments, r 6: 4) over kc taps (see directTileGo) and stores it as
// gemm's packed path stores a KC slice. acc is the kernel's scratch: one
// per goroutine, so that it is not zeroed on every call (a stack array
// was, 4% of the conv).
type directTileFn func(kc int, a []float32, off []int, planes []float32, t *directTile, y []float32, ldy, r, rows int, first, last bool, bias []float32, relu bool, acc *[384]float32)

// useDirect reports whether Forward takes the direct path for g (given a
// kernel, directKernel != nil): no groups, a column stride of 2 or more,
// and either at most directMaxC input channels and directMaxK taps (first
// layers: ResNet's and GoogLeNet's 7x7 stride 2 on 3 channels, AlexNet's
// 11x11 stride 4) or a 3x3 kernel at stride 2 (ResNet's downsampling
// convs with up to directMaxS2C input channels), whose im2col column
// matrix (up to 1152 x 784 values, 3.6 MB) fell out of L2 between im2col
// and the GEMM's packing of it. Stride-2 convs with output rows under 14
// values take 6 x 64 tiles (directShapeFor) when those waste at most a
// lane in 4: ResNet's layer4.0 convs (14 -> 7). With the 8 x 32 tile
// ResNet-18's layer4.0.conv1 took 2.2-2.4 cpu-ms against 1.0 pixel-major
// (another machine); here, TestLayerProfile 1 worker, 3 alternating
// rounds, median (min) ms pixel-major -> 6 x 64 direct: ResNet-18
// layer4.0.conv1 1.90 (1.77), 2.74 (1.91), 2.39 (1.95) -> 1.48 (1.33),
// 2.03 (1.47), 1.56 (1.44); ResNet-50 layer4.0.conv2 (512 channels)
// 4.70 (3.82), 6.08 (4.70), 6.37 (3.95) -> 5.67 (2.88), 3.20 (2.72), 3.26
// (2.70). It depends on nothing a band of output rows changes (RowBand).
//
// 3x3 stride-2 convs on 16 or more input channels now take the
// channel-vector kernel (useDirectChan, direct_chan.go) at any size; the
// figures above are the row-segment kernels'.
func useDirect(g Geom) bool {
	if useDirectChan(g) {
		return true
	}
	if g.Group != 1 || g.SW < 2 || g.OW < 7 {
		return false
	}
	first := g.OW >= 14 && g.C <= directMaxC && g.C*g.KH*g.KW <= directMaxK
	s2 := g.KH == 3 && g.KW == 3 && g.SH == 2 && g.SW == 2 && g.DH == 1 && g.DW == 1 && g.C <= directMaxS2C
	if s2 && g.OW < 14 {
		// 6 x 64 tiles (directShapeFor) over OH plane rows of OW+1
		// values: at least 3 lanes in 4 must be outputs (7x7: 49 of 64;
		// 8x8 would be 64 of 128).
		s2 = 4*g.OH*g.OW >= 3*roundUp(g.OH*(g.OW+1), 64)
	}
	return first || s2
}

const (
	directMaxC = 4
	directMaxK = 512
	// directMaxS2C bounds the input channels of the 3x3 stride-2 convs
	// the direct path takes. ResNet-50's layer3.0.conv2 (256 channels,
	// 2304 taps) reads its weights from memory in a pass: 2.4 MB as the
	// direct path keeps them (float32) against 0.6 MB of int8 panels.
	// With the 8x32 tile that made direct slower in a pass
	// (TestLayerProfile, 3 rounds: 1.96 ms im2col + GEMM, 2.17 direct,
	// on another machine); with the 8x48 tile, on Ice Lake, direct is
	// faster: TestLayerProfile resnet50, 1 worker, 3 alternating rounds,
	// median (min) ms 4.72 (3.93), 4.79 (3.69), 7.18 (3.97) im2col + GEMM
	// against 4.18 (2.86), 4.35 (3.66), 6.66 (2.84) direct. 512 for
	// layer4.0.conv2 (14 -> 7, see useDirect), whose pixel-major weights
	// were float32 too (9.4 MB).
	directMaxS2C = 512
)

// directGeom holds what the direct path derives from a Geom: the planes'
// layout, the tap offsets and the tiles.
//
// Row segments (rows true), when output rows are a whole number of
// segments (ResNet's conv1, 112 = 7 x 16): plane (c, r) holds every row of
// the padded input, its columns r, r+SW, ...; a segment is directSeg
// pixels of one output row, and its base in the planes is oy*SH*wp + ox.
//
// Otherwise the planes are split by row phase too: plane (c, ry, rx) holds
// the padded input's rows ry, ry+SH, ... and columns rx, rx+SW, ... For
// output (oy, ox), tap (ky, kx) then reads element (oy + ky*DH/SH, ox +
// kx*DW/SW) of plane (c, ky*DH mod SH, kx*DW mod SW): with wp =
// OW + (KW-1)*DW/SW columns a plane row, the taps of consecutive q = oy*wp
// + ox are consecutive values, across output rows too. A tile is 48
// consecutive q, wp - OW of every wp of them (the columns past OW) in no
// output: 28x28 outputs waste 1 lane in 29, where segments of 16 would
// waste 4 in 32. The tiles are computed into a scratch laid out by q, which
// is copied into the output row by row.
type directGeom struct {
	sh     directShape
	rows   bool
	vs     int   // rows of the padded input a plane row steps: 1 with row segments, else SH
	hp, wp int   // rows and columns of a plane
	off    []int // off[p]: tap p's offset from a segment's base in the planes
	segs   int   // row segments: segments per output row
	tiles  int
}

func newDirectGeom(g Geom) directGeom {
	d := directGeom{sh: directShapeFor(g), rows: g.OW%directSeg == 0, vs: g.SH}
	if d.rows {
		d.vs = 1
		d.segs = g.OW / directSeg
		d.tiles = (g.OH*d.segs + d.sh.segs - 1) / d.sh.segs
		d.wp = g.OW + (g.KW-1)*g.DW/g.SW
		d.hp = (g.OH-1)*g.SH + (g.KH-1)*g.DH + 1
	} else {
		d.wp = g.OW + (g.KW-1)*g.DW/g.SW
		d.hp = g.OH + (g.KH-1)*g.DH/g.SH
		d.tiles = (g.OH*d.wp + d.sh.segs*directSeg - 1) / (d.sh.segs * directSeg)
	}
	d.off = make([]int, 0, g.C*g.KH*g.KW)
	for c := 0; c < g.C; c++ {
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				ty, tx := ky*g.DH, kx*g.DW
				plane := (c*d.vs+ty%d.vs)*g.SW + tx%g.SW
				d.off = append(d.off, (plane*d.hp+ty/d.vs)*d.wp+tx/g.SW)
			}
		}
	}
	return d
}

// size is the number of values of the planes of one image, with room for
// the loads of the last tile's lanes past the last output (their values
// are never used).
func (d directGeom) size(g Geom) int { return g.C*d.vs*g.SW*d.hp*d.wp + directMaxSegs*directSeg }

// directPlanes writes image x's planes into pl: value (i, j) of plane
// (c, ry, rx) is x[c, i*vs+ry-PT, j*SW+rx-PL], 0 outside the input. A
// work item is one plane row of every rx (one input row read): on
// ResNet-50's layer3.0.conv2 the planes have 15,360 rows of 15 values, so
// what a row costs besides its values (divisions, calls to clear and to
// the gather) was most of the planes' 0.45 ms.
func directPlanes(g Geom, d directGeom, x, pl []float32, workers int) {
	items := g.C * d.vs * d.hp
	if items*g.SW*d.wp < 1<<15 {
		workers = 1
	}
	clear(pl[items*g.SW*d.wp:])
	// Plane column j of phase r reads input column j*SW + r - PL: those
	// below 0 (j < j0[r]) and past the row (j >= j1[r]) are padding.
	var j0, j1 [8]int
	sw := min(g.SW, len(j0))
	for r := 0; r < sw; r++ {
		j0[r] = min(d.wp, max(0, (g.PL-r+g.SW-1)/g.SW))
		j1[r] = max(j0[r], min(d.wp, (g.W+g.PL-r+g.SW-1)/g.SW))
	}
	plane := d.hp * d.wp
	par.ForChunks(workers, items, chunksPerWorker*workers, func(lo, hi int) {
		for it := lo; it < hi; it++ {
			cy, i := it/d.hp, it%d.hp // plane (c, ry) and its row
			iy := i*d.vs + cy%d.vs - g.PT
			base := cy*g.SW*plane + i*d.wp
			if iy < 0 || iy >= g.H {
				for r := 0; r < g.SW; r++ {
					clear(pl[base+r*plane : base+r*plane+d.wp])
				}
				continue
			}
			c := cy / d.vs
			src := x[(c*g.H+iy)*g.W : (c*g.H+iy+1)*g.W]
			if g.SW == 2 {
				d0, d1 := pl[base:base+d.wp], pl[base+plane:base+plane+d.wp]
				clear(d0[:j0[0]])
				clear(d1[:j0[1]])
				// Phase r starts at input column j0[r]*2 + r - PL; the
				// two starts are neighbours, so one pass over the row
				// splits it into both.
				s0, s1 := j0[0]*2-g.PL, j0[1]*2+1-g.PL
				e0, e1 := d0[j0[0]:j1[0]], d1[j0[1]:j1[1]]
				if s0 < s1 {
					directSplit2(e0, e1, src[min(s0, len(src)):])
				} else {
					directSplit2(e1, e0, src[min(s1, len(src)):])
				}
				clear(d0[j1[0]:])
				clear(d1[j1[1]:])
				continue
			}
			for r := 0; r < g.SW; r++ {
				dst := pl[base+r*plane : base+r*plane+d.wp]
				if r >= sw {
					directGatherRow(g, dst, src, r)
					continue
				}
				a, b := j0[r], j1[r]
				clear(dst[:a])
				if a < b {
					pickStrideGeneric(dst[a:b], src[a*g.SW+r-g.PL:], g.SW)
				}
				clear(dst[b:])
			}
		}
	})
}

// directGatherRow fills plane row dst of phase r from input row src for
// a stride past directPlanes' table of bounds (more than 8).
func directGatherRow(g Geom, dst, src []float32, r int) {
	for j := range dst {
		ix := j*g.SW + r - g.PL
		if ix >= 0 && ix < g.W {
			dst[j] = src[ix]
		} else {
			dst[j] = 0
		}
	}
}

// directPacked are a conv's weights laid out by directWeights, kept from
// Compile natively (Prepack, LayoutFor's DirectSlivers): laying out the
// int8 weights of ResNet-50's layer3.0.conv2 (256 x 2304) on every call
// was a sixth of its time.
type directPacked struct {
	m, k, r int
	a       []float32
}

func newDirectPacked(g Geom, w Weights) *directPacked {
	k := g.C * g.KH * g.KW
	r := directShapeFor(g).r
	d := &directPacked{m: g.M, k: k, r: r, a: make([]float32, roundUp(g.M, r)*k)}
	directWeights(g, w, d.a, r)
	return d
}

// directPacked returns w's direct-path weights, or nil.
func (w Weights) directPacked() *directPacked {
	if w.Packed == nil {
		return nil
	}
	d, _ := w.Packed.Ext.(*directPacked)
	return d
}

// directWeights packs the weights of g (m x k) into r-row slivers,
// a[s*r*k + p*r + i] = weight (r*s+i, p) in its dequantized rounding,
// rows past M zero.
func directWeights(g Geom, w Weights, a []float32, r int) {
	k := g.C * g.KH * g.KW
	clear(a)
	buf := make([]float32, k)
	for m := 0; m < g.M; m++ {
		vals := w.values(m*k, k, m, buf)
		dst := a[(m/r)*r*k+m%r:]
		for p, v := range vals {
			dst[p*r] = v
		}
	}
}

// direct computes Forward's result for a geometry useDirect accepts with
// the tile kernel kern. The taps are taken in slices of the GEMM's KC, as
// its packed path does: each slice summed from zero by the kernel, stored
// (first slice) or added to what is stored, then the bias and the ReLU.
// So every output has the bits of the im2col path (TestDirectSameBits),
// whatever the number of workers or the band of output rows.
func direct(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int, kern directTileFn) {
	if useDirectChan(g) {
		ck := directChanKernel
		if ck == nil {
			ck = directChanGo
		}
		directChan(g, x, w, bias, y, relu, workers, ck)
		return
	}
	d := newDirectGeom(g)
	k := len(d.off)
	kcMax := max(1, gemm.DefaultTiles.KC)
	r, segs := d.sh.r, d.sh.segs
	slivers := (g.M + r - 1) / r
	var a []float32
	if dp := w.directPacked(); dp != nil && dp.m == g.M && dp.k == k && dp.r == r {
		a = dp.a
	} else {
		abuf := colPool.get(slivers * r * k)
		defer colPool.put(abuf)
		a = *abuf
		directWeights(g, w, a, r)
	}
	var bpad []float32 // the bias of M rounded up to r
	if bias != nil {
		bpad = make([]float32, slivers*r)
		copy(bpad, bias[:g.M])
	}
	psize := d.size(g)
	pbuf := colPool.get(psize)
	defer colPool.put(pbuf)
	pl := *pbuf
	// The kernel loads through pointers: every load a tile makes must lie
	// in pl.
	maxOff := 0
	for _, o := range d.off {
		maxOff = max(maxOff, o)
	}
	npix := g.OH * g.OW
	var last int // the largest base of a segment
	// tile sets tile t's segments: their bases in the planes, and where
	// they go (for row segments, output pixels; else columns of the
	// scratch) with their widths.
	var tile func(t int, ts *directTile)
	var cbuf *[]float32
	var ldc int
	if d.rows {
		nseg := g.OH * d.segs
		seg := func(s int) (base, pix int) {
			oy, ox := s/d.segs, s%d.segs*directSeg
			return oy*g.SH*d.wp + ox, oy*g.OW + ox
		}
		tile = func(t int, ts *directTile) {
			for i := range segs {
				s := segs*t + i
				if s >= nseg { // the last tile's missing segments
					ts.b[i], ts.d[i], ts.n[i] = ts.b[0], ts.d[0], 0
					continue
				}
				ts.b[i], ts.d[i] = seg(s)
				ts.n[i] = directSeg
			}
		}
		last, _ = seg(nseg - 1)
	} else {
		ldc = d.tiles * segs * directSeg
		cbuf = colPool.get(slivers * r * ldc)
		defer colPool.put(cbuf)
		tile = func(t int, ts *directTile) {
			for i := range segs {
				q := (t*segs + i) * directSeg
				ts.b[i], ts.d[i], ts.n[i] = q, q, directSeg
			}
		}
		last = ldc - directSeg
	}
	if last+maxOff+directSeg > psize {
		panic("conv: direct planes too small")
	}
	for n := 0; n < g.N; n++ {
		directPlanes(g, d, x[n*g.C*g.H*g.W:(n+1)*g.C*g.H*g.W], pl, workers)
		yn := y[n*g.M*npix : (n+1)*g.M*npix]
		dst, ldd := yn, npix
		if cbuf != nil {
			dst, ldd = *cbuf, ldc
		}
		// With one slice of taps (first layers: 147 on 3 channels), all
		// slivers' weights (64 x 147 values, 37 KB) and a tile's planes
		// did not fit L1 (48 KB) together; a sliver is then run over a
		// block of tiles (8: 384 pixels, about 33 KB of planes at 224x224)
		// before the next one. With more slices, a slice's weights (M x KC
		// values, 128 KB at 128 channels) stream from L2 anyway, and a
		// block's planes would too (BenchmarkConvLayer 3x3s2_128to128_56
		// 3.65 -> 4.06-4.41 cpu-ms with blocks of 2-16).
		blk := 1
		if k <= kcMax {
			blk = 8
		}
		par.ForChunks(workers, d.tiles, chunksPerWorker*workers, func(lo, hi int) {
			var acc [384]float32
			var ts directTile
			for p0 := 0; p0 < k; p0 += kcMax {
				kc := min(kcMax, k-p0)
				first, lastK := p0 == 0, p0+kc == k
				for t0 := lo; t0 < hi; t0 += blk {
					for s := 0; s < slivers; s++ {
						var bs []float32
						if bpad != nil {
							bs = bpad[r*s : r*s+r]
						}
						rows := r
						if cbuf == nil {
							rows = min(r, g.M-r*s)
						}
						for t := t0; t < min(hi, t0+blk); t++ {
							tile(t, &ts)
							kern(kc, a[s*r*k+p0*r:], d.off[p0:], pl, &ts, dst[r*s*ldd:], ldd, r, rows, first, lastK, bs, relu, &acc)
						}
					}
				}
			}
		})
		if cbuf != nil {
			// Output row oy of channel m is q = oy*wp .. oy*wp+OW-1 of
			// the scratch's row m.
			c := *cbuf
			par.ForChunks(workers, g.M, chunksPerWorker*workers, func(lo, hi int) {
				for m := lo; m < hi; m++ {
					for oy := 0; oy < g.OH; oy++ {
						copy(yn[m*npix+oy*g.OW:m*npix+(oy+1)*g.OW], c[m*ldc+oy*d.wp:])
					}
				}
			})
		}
	}
}

// split2Go sets e[j] = src[2j] and o[j] = src[2j+1] (directSplit2's
// portable form).
func split2Go(e, o, src []float32) {
	for j := range e {
		e[j] = src[2*j]
	}
	for j := range o {
		o[j] = src[2*j+1]
	}
}

// directTileGo is the portable tile kernel (tests hold the SIMD one to the
// definition through it): for each row i < rows of the r-row weight sliver
// a (a[p*r+i]), and each of the tile's segments (planes from b, n values
// to d), it sums a[p*r+i] * planes[b+off[p]+j] over p < kc for the
// segment's first n values j, then stores the sum at y[d + i*ldy + j]
// (first) or adds it to the value there, then (last) adds bias[i] (bias
// nil: none) and applies the ReLU.
func directTileGo(kc int, a []float32, off []int, planes []float32, t *directTile, y []float32, ldy, r, rows int, first, last bool, bias []float32, relu bool, _ *[384]float32) {
	for i := 0; i < rows; i++ {
		for sg := range directMaxSegs {
			b, dst, n := t.b[sg], t.d[sg]+i*ldy, t.n[sg]
			for j := 0; j < n; j++ {
				var s float32
				for p := 0; p < kc; p++ {
					s += a[p*r+i] * planes[b+off[p]+j]
				}
				if !first {
					s = y[dst+j] + s
				}
				if last && bias != nil {
					s += bias[i]
				}
				if last && relu && s < 0 {
					s = 0
				}
				y[dst+j] = s
			}
		}
	}
}
