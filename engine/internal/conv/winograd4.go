package conv

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/par"
	"convscope/engine/internal/vec"
)

// Winograd F(4x4, 3x3) for WebAssembly: each 4x4 block of outputs of a
// channel from a 6x6 patch of input, 36 multiplies per input channel for
// the 16 outputs, where F(2x2, 3x3) (winograd.go) takes 64 and the direct
// sum 144.
// WebAssembly SIMD without relaxed SIMD has no fused multiply-add: a
// multiply-add is an f32x4.mul and an f32x4.add, and the two FP ports give
// at most 8 flops a cycle (22.4 GFLOP/s at 2.8 GHz); the GEMM kernel runs
// ResNet-50's 1x1 convs at 15-19 of them (Node, BenchmarkConvShapes), so
// the products are what a 3x3 conv costs and the only way down is fewer
// of them. With the points 0, 1, -1, 2, -2 (Lavin and Gray):
//
//	Bt = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0  4 -4 -1 1 0;
//	      0 -2 -1  2 1 0;  0  2 -1 -2 1 0;  0  4  0 -5 0 1]
//	G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
//	      1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//	At = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// The rounding error is larger than F(2x2)'s (the transforms multiply by
// up to 8 and 1/24): TestWinograd4MatchesNaive measures it.
//
// The input is first laid out as column phases (phases4): for each
// channel, for each row phase rr (0..3) of the padded input and each patch
// column q (0..5), the value at padded row 4*ty+rr and column 4*tx+q of
// tile (ty, tx), the tiles in raster order (Ty+1 tile rows: rows 4 and 5
// of a patch are rows 0 and 1 of the next tile row's). Four consecutive
// tiles of a block then read each of their 36 patch values with one vector
// load, across tile rows too, and the transform needs no shuffle
// (WebAssembly's i8x16.shuffle is not in Go's assembler).

// useWinograd4 reports whether g takes F(4x4, 3x3) on target wasm: the
// convs that take Winograd there (useWinogradOn), on maps 13 to 56
// outputs wide (13x13: 16 tiles, F(2x2) 49), with few enough input
// channels (keepWinograd4). Its kernels are always kept (Prepack). The
// choice depends on neither M nor OH: the split engine's parts of a conv
// (by output channels, or bands of output rows) must take the whole
// conv's path, for its bits. Natively F(2x2) stays: with FMA the
// products cost half as much, and winogradTM takes the small maps.
func useWinograd4(g Geom, wasm bool) bool {
	return wasm && useWinogradOn(g, true) && g.OW >= 13 && g.OW <= 56 && keepWinograd4(g.C, g.OW)
}

// keepWinograd4 bounds the input channels of F(4x4) convs, for the
// memory of their kernels (36 floats a 3x3 kernel, 16 for F(2x2), kept
// whatever M) and of its input's column phases: up to 384 on maps up to
// 14 wide (AlexNet's 13x13 convs, 34 MB; ResNet-50's layer3, 57 MB), 128
// up to 28 wide (ResNet's layer2, GoogLeNet's inception 3), 64 wider
// (ResNet's layer1, GoogLeNet's conv2). VGG16 keeps F(2x2) everywhere:
// its browser memory target is 300 MB, and with its conv3_1 (128
// channels in, 56x56) on F(4x4) two workers peaked at 296 MB (277 before).
func keepWinograd4(c, ow int) bool {
	switch {
	case ow <= 14:
		return c <= 384
	case ow <= 28:
		return c <= 128
	}
	return c <= 64
}

// winograd4Weights are a conv's F(4x4) kernels for a micro-kernel of mr
// rows: 36 positions, u[xi][sliver][c][mr].
type winograd4Weights struct {
	mr, m, c int
	u        []float32
}

// winograd4 returns w's F(4x4) kernels, or nil.
func (w Weights) winograd4() *winograd4Weights {
	if w.Packed == nil {
		return nil
	}
	ww, _ := w.Packed.Ext.(*winograd4Weights)
	return ww
}

func newWinograd4Weights(w Weights, m, c, mr int) *winograd4Weights {
	ww := &winograd4Weights{mr: mr, m: m, c: c, u: make([]float32, 36*((m+mr-1)/mr)*mr*c)}
	transformWeights4(w, ww.u, m, c, mr)
	return ww
}

// winograd4Weights4 returns w's F(4x4) kernels for tiles' kernel: those
// Prepack kept, or (float32 weights, or another kernel's rows) transformed
// now into a scratch buffer that done releases, with the same bits.
func winograd4Weights4(w Weights, g Geom, t gemm.Tiles) (ww *winograd4Weights, done func()) {
	mr := t.Kernel.MR
	if t.Kernel.Fn == nil {
		mr = gemm.Generic.MR
	}
	if ww := w.winograd4(); ww != nil && ww.mr == mr && ww.m == g.M && ww.c == g.C {
		return ww, func() {}
	}
	n := 36 * ((g.M + mr - 1) / mr) * mr * g.C
	buf := colPool.get(n)
	ww = &winograd4Weights{mr: mr, m: g.M, c: g.C, u: (*buf)[:n]}
	transformWeights4(w, ww.u, g.M, g.C, mr)
	return ww, func() { colPool.put(buf) }
}

// transformWeights4 writes U = G g Gt of every kernel into u laid out as
// the micro-kernel reads A (transformWeights' layout with 36 positions).
// It runs once, at Compile (scalar: ResNet-50's 471K kernels), but for
// float32 weights (winograd4Weights4).
func transformWeights4(w Weights, u []float32, mCount, cCount, mr int) {
	slivers := (mCount + mr - 1) / mr
	st := slivers * cCount * mr
	clear(u)
	var buf [9]float32
	for m := 0; m < mCount; m++ {
		s, r := m/mr, m%mr
		for c := 0; c < cCount; c++ {
			k := (*[9]float32)(w.values((m*cCount+c)*9, 9, m, buf[:]))
			var q [6][3]float32 // G g
			for j := 0; j < 3; j++ {
				q[0][j], q[1][j], q[2][j], q[3][j], q[4][j], q[5][j] = g6(k[j], k[3+j], k[6+j])
			}
			o := s*cCount*mr + c*mr + r
			for i := 0; i < 6; i++ {
				v0, v1, v2, v3, v4, v5 := g6(q[i][0], q[i][1], q[i][2])
				for j, v := range [6]float32{v0, v1, v2, v3, v4, v5} {
					u[(i*6+j)*st+o] = v
				}
			}
		}
	}
}

// g6 is G times the column (g0, g1, g2).
func g6(g0, g1, g2 float32) (a, b, c, d, e, f float32) {
	a = g0 / 4
	b = -(g0 + g1 + g2) / 6
	c = -(g0 - g1 + g2) / 6
	d = g0/24 + g1/12 + g2/6
	e = g0/24 - g1/12 + g2/6
	return a, b, c, d, e, g2
}

// phases4Len is one (channel, rr, q) run of phases4's layout: Ty+1 tile
// rows of tilesX values, and 4 more so that the last tiles' vectors stay
// inside.
func phases4Len(tilesY, tilesX int) int { return (tilesY+1)*tilesX + 4 }

// phases4 writes channels c0..c1-1 of x (one image, geometry g) as
// column phases into ph (see the comment at the top): value (c, rr, q,
// t = ty*tilesX+tx) at ph[((c*4+rr)*6+q)*ln+t] is the input at row
// 4*ty+rr-PT, column 4*tx+q-PL, zero outside.
func phases4(g Geom, x, ph []float32, tilesY, tilesX, c0, c1 int) {
	if vec.CopyRowsVector && min(g.W, 16*((tilesX+3)/4)+4-g.PL) >= 4 {
		phases4Plane(g, x, ph, tilesY, tilesX, c0, c1)
		return
	}
	ln := phases4Len(tilesY, tilesX)
	// A row is first copied into row, padding included (its columns
	// -PL..), zeros past it, for whole groups of four tiles: the groups'
	// last tiles write past a tile row's run into the next tile row's,
	// which comes later (y grows) and overwrites them, or into the runs'
	// slack, cleared at the end.
	groups := (tilesX + 3) / 4
	row := make([]float32, 16*groups+4)
	for c := c0; c < c1; c++ {
		img := x[c*g.H*g.W : (c+1)*g.H*g.W]
		pc := ph[c*24*ln : (c+1)*24*ln]
		// Each padded row is row phase y%4 of tile row y/4: its six
		// column runs are written at once.
		for y := 0; y < 4*(tilesY+1); y++ {
			o := (y%4)*6*ln + (y/4)*tilesX // run q at o + q*ln
			iy := y - g.PT
			if iy < 0 || iy >= g.H {
				for q := 0; q < 6; q++ {
					clear(pc[o+q*ln : o+q*ln+tilesX])
				}
				continue
			}
			w := min(g.W, len(row)-g.PL) // columns any tile reads
			copy(row[g.PL:g.PL+w], img[iy*g.W:])
			if phasesQuad4(row, pc[o:], ln, groups) {
				continue
			}
			for tx := 0; tx < tilesX; tx++ {
				for q := 0; q < 6; q++ {
					pc[o+q*ln+tx] = row[4*tx+q]
				}
			}
		}
		for k := 0; k < 24; k++ {
			clear(pc[k*ln+(tilesY+1)*tilesX : (k+1)*ln])
		}
	}
}

// phases4Plane is phases4 (the same values) where vec.CopyRows and
// phasesQuad4 are vector loops (WebAssembly SIMD). Go's copy and clear
// are a memory.copy and a memory.fill there, calls into V8's runtime (see
// im2colPadded), and phases4 made one a padded row and 30 more a channel
// (the rows outside the image, the slack): 64 a channel on 16x16 maps.
// Here a zero-padded plane of all the rows any tile reads is cleared
// once, each channel's rows copied into it by one vec.CopyRows, and every
// padded row, the zero ones too, split into its column runs by
// phasesQuad4; only the 4-value slack of the 24 runs is cleared after
// (the groups' last tiles write into it).
func phases4Plane(g Geom, x, ph []float32, tilesY, tilesX, c0, c1 int) {
	ln := phases4Len(tilesY, tilesX)
	groups := (tilesX + 3) / 4
	hp, wp := 4*(tilesY+1), 16*groups+4
	h, w := min(g.H, hp-g.PT), min(g.W, wp-g.PL) // rows and columns any tile reads
	buf := colPool.get(hp * wp)
	defer colPool.put(buf)
	plane := (*buf)[:hp*wp]
	clear(plane) // the padding, never written after
	base := (tilesY + 1) * tilesX
	for c := c0; c < c1; c++ {
		pc := ph[c*24*ln : (c+1)*24*ln]
		if h > 0 {
			vec.CopyRows(plane[g.PT*wp+g.PL:], x[c*g.H*g.W:], h, w, wp, g.W)
		}
		if !phasesPlane(plane, pc, ln, groups, tilesY+1, wp, tilesX) {
			for y := 0; y < hp; y++ {
				// Row y is row phase y%4 of tile row y/4 (as in phases4).
				phasesQuad4(plane[y*wp:(y+1)*wp], pc[(y%4)*6*ln+(y/4)*tilesX:], ln, groups)
			}
		}
		for k := 0; k < 24; k++ {
			*(*[4]float32)(pc[k*ln+base:]) = [4]float32{}
		}
	}
}

// wino4OneBlock is the most tiles that go in one block whatever the
// input channels: maps 13 to 16 wide (16 tiles), where blocks of 8 tiles
// (from 114 channels in, winoBlock) made each of the two blocks stream
// the whole of U, the 36*M*C transformed kernels (4.7 MB at 256x128
// channels), which a model's pass finds in memory, not in cache. One
// block's input (36*C*16 floats, 884 KB at 384 channels) still fits the
// L2. Forward, one worker, int8 kept kernels, cpu-ms in Node, medians
// of 40 calls alternating with blocks of 8 tiles (load 8-9), plain SIMD |
// relaxed build: 256->256 14x14 5.43 -> 5.30 | 4.68 -> 4.19, 160->320
// 14x14 4.56 -> 4.25 | 3.65 -> 3.45, 112->224 14x14 2.40 -> 2.26 | 1.67
// -> 1.64, 192->384 13x13 5.93 -> 5.55 | 5.01 -> 4.51, 384->256 13x13
// 8.09 -> 7.38 | 6.60 -> 5.93. The block changes no arithmetic (each
// tile's products sum the channels in the same order): the same bits. A
// variable so that tests can compare with blocks of 8 tiles (0).
var wino4OneBlock = 16

// winograd4 computes the same result as Naive (within F(4x4)'s rounding)
// for the geometries useWinograd4 accepts, with w's kept F(4x4) kernels,
// as winograd does with F(2x2): per block of tiles, the input transformed
// into the kernel's B layout (v[xi][js][c][NR]), the 36 products per
// sliver of output channels, then At m A into the output. Each output is
// computed by the same operations whatever the split: the same bits for
// any number of workers.
func winograd4(g Geom, x []float32, ww *winograd4Weights, bias, y []float32, relu bool, workers int, t gemm.Tiles) {
	kern := t.Kernel
	if kern.Fn == nil {
		kern = gemm.Generic
	}
	mr, nr := kern.MR, kern.NR
	tilesY, tilesX := (g.OH+3)/4, (g.OW+3)/4
	tiles := tilesY * tilesX
	slivers := (g.M + mr - 1) / mr
	u := ww.u

	// Tile block: nj slivers of nr tiles, about 32 tiles, fewer when the
	// block's transformed input (36*C*tb floats) would outgrow winoBlock;
	// on maps of up to wino4OneBlock tiles, one block of them all.
	nj := max(1, min((32+nr-1)/nr, winoBlock/(36*g.C*nr), (tiles+nr-1)/nr))
	if tiles <= wino4OneBlock {
		nj = (tiles + nr - 1) / nr
	}
	tb := nj * nr
	blocks := (tiles + tb - 1) / tb
	sm := max(1, min(slivers, winoBlock/(36*mr*tb)))
	groups := (slivers + sm - 1) / sm
	for workers > 1 && g.N*blocks*groups < 4*workers && sm > 1 {
		sm = (sm + 1) / 2
		groups = (slivers + sm - 1) / sm
	}

	ln := phases4Len(tilesY, tilesX)
	chn := 24 * ln // one channel's phases
	phbuf := colPool.get(g.N * g.C * chn)
	defer colPool.put(phbuf)
	ph := (*phbuf)[:g.N*g.C*chn]
	pw := workers
	if g.N*g.C*chn < 1<<15 {
		pw = 1
	}
	par.ForChunks(pw, g.N*g.C, chunksPerWorker*pw, func(lo, hi int) {
		for nc := lo; nc < hi; {
			n, c := nc/g.C, nc%g.C
			c1 := min(g.C, c+hi-nc)
			phases4(g, x[n*g.C*g.H*g.W:(n+1)*g.C*g.H*g.W], ph[n*g.C*chn:(n+1)*g.C*chn], tilesY, tilesX, c, c1)
			nc += c1 - c
		}
	})

	vst := nj*g.C*nr + winoPad
	pst := sm*nj*mr*nr + winoPad
	items := g.N * blocks * groups
	if items*36*g.C*tb*sm*mr < 1<<16 {
		workers = 1
	}
	loop := func(f func(lo, hi int)) { par.ForGuided(workers, items, 1, f) }
	if nbl := g.N * blocks; nbl >= chunksPerWorker*workers {
		loop = func(f func(lo, hi int)) {
			par.ForGuided(workers, nbl, 1, func(lo, hi int) { f(lo*groups, hi*groups) })
		}
	}
	loop(func(lo, hi int) {
		vbuf := colPool.get(36*vst + 36*pst)
		defer colPool.put(vbuf)
		v := (*vbuf)[:36*vst]
		prod := (*vbuf)[36*vst : 36*vst+36*pst]
		lastBlock := -1
		for it := lo; it < hi; it++ {
			nb, grp := it/groups, it%groups
			n, blk := nb/blocks, nb%blocks
			yn := y[n*g.M*g.OH*g.OW : (n+1)*g.M*g.OH*g.OW]
			t0 := blk * tb
			tc := min(tb, tiles-t0)
			if nb != lastBlock {
				transformInput4x4(ph[n*g.C*chn:(n+1)*g.C*chn], g.C, ln, tilesX, v, vst, nr, t0, tc)
				lastBlock = nb
			}
			s0 := grp * sm
			sc := min(sm, slivers-s0)
			jc := (tc + nr - 1) / nr
			winoProducts(&kern, g.C, 36, u, v, prod, vst, pst, slivers, s0, sc, jc, sm, mr, nr)
			transformOutput4x4(g, prod, yn, bias, relu, pst, mr, nr, sm, s0, sc, t0, tc, tilesX)
		}
	})
}

// vector4 lets the F(4x4) transforms take four tiles at once
// (inputQuad4, outputQuad4); tests turn it off to compare with the scalar
// code.
var vector4 = true

// wasmQuad4 lets inputQuad4 take the assembly in WebAssembly (tests turn
// it off to compare it with inputQuad4Vec).
var wasmQuad4 = true

// transformInput4x4 writes V = Bt d B of tiles t0..t0+tc-1 of every
// channel, from the image's column phases ph (ln a run), into v laid out
// as the kernel reads B: for each of the 36 positions (plane floats
// apart), for each sliver of nr tiles, C rows of nr values; the columns
// past tc are zero.
func transformInput4x4(ph []float32, cCount, ln, tilesX int, v []float32, plane, nr, t0, tc int) {
	cn := cCount * nr
	jc := (tc + nr - 1) / nr
	if pad := jc*nr - tc; pad > 0 {
		js, j0 := tc/nr, tc%nr
		for xi := 0; xi < 36; xi++ {
			for c := 0; c < cCount; c++ {
				clear(v[xi*plane+js*cn+c*nr+j0 : xi*plane+js*cn+c*nr+nr])
			}
		}
	}
	quads := vector4 && nr%4 == 0
	// The leading quads (tiles 4i..4i+3), where inputQuads4 takes all of
	// a channel's in one call (WebAssembly): qofs[i], quad i's column in v
	// less the channel's, in bytes; the same for every channel.
	var qofs [maxQuads4]int
	nq := 0
	if quads && wasmQuad4 {
		nq = min(tc/4, maxQuads4)
		for i := 0; i < nq; i++ {
			t := 4 * i
			qofs[i] = 4 * ((t/nr)*cn + t%nr)
		}
	}
	oq, trq := (4*nq/nr)*cn+(4*nq)%nr, (4*nq)%nr // tile 4*nq's column and t%nr
	for c := 0; c < cCount; c++ {
		pc := ph[c*24*ln : (c+1)*24*ln]
		// o is tile t's column in v: (t/nr)*cn + t%nr + c*nr, kept by
		// steps (a division is a call to runtime.wasmDiv in WebAssembly).
		o, tr := c*nr, 0 // tr = t%nr
		t := 0
		if nq > 0 && inputQuads4(pc, ln, tilesX, t0, v[c*nr:], plane, &qofs, nq) {
			t, o, tr = 4*nq, c*nr+oq, trq
		}
		for ; t < tc; t, o, tr = t+1, o+1, tr+1 {
			if tr == nr {
				o, tr = o-nr+cn, 0
			}
			// Four tiles at once where they are whole (the last quad's
			// lanes past tc would land in the zeroed columns).
			if quads && t%4 == 0 && t+4 <= tc && inputQuad4(pc, ln, tilesX, t0+t, v[o:], plane) {
				// nr%4 == 0: the quad stays in one sliver.
				t, o, tr = t+3, o+3, tr+3
				continue
			}
			var d [6][6]float32
			for r := 0; r < 6; r++ {
				off := t0 + t
				rr := r
				if r >= 4 {
					rr, off = r-4, off+tilesX
				}
				for q := 0; q < 6; q++ {
					d[r][q] = pc[(rr*6+q)*ln+off]
				}
			}
			// Bt d, column by column, then (Bt d) B, row by row.
			var e [6][6]float32
			for q := 0; q < 6; q++ {
				e[0][q], e[1][q], e[2][q], e[3][q], e[4][q], e[5][q] = bt6(d[0][q], d[1][q], d[2][q], d[3][q], d[4][q], d[5][q])
			}
			for k := 0; k < 6; k++ {
				f0, f1, f2, f3, f4, f5 := bt6(e[k][0], e[k][1], e[k][2], e[k][3], e[k][4], e[k][5])
				q := o + k*6*plane
				v[q], v[q+plane], v[q+2*plane], v[q+3*plane], v[q+4*plane], v[q+5*plane] = f0, f1, f2, f3, f4, f5
			}
		}
	}
}

// bt6 is Bt times (r0..r5), in the order inputQuad4 computes it lane by
// lane (the same bits).
func bt6(r0, r1, r2, r3, r4, r5 float32) (o0, o1, o2, o3, o4, o5 float32) {
	// float32(): each product rounded, never fused into the next add.
	o0 = (float32(r0*4) - float32(r2*5)) + r4
	s12, d12 := r1+r2, r1-r2
	o1 = (r3 + r4) - float32(s12*4)
	o2 = (r4 - r3) + float32(d12*4)
	a, b := r4-r2, r1-r3
	o3 = a - float32(b*2)
	o4 = a + float32(b*2)
	o5 = (float32(r1*4) - float32(r3*5)) + r5
	return
}

// at6 is At times (m0..m5), in the order outputQuad4 computes it.
func at6(m0, m1, m2, m3, m4, m5 float32) (y0, y1, y2, y3 float32) {
	s12, d12 := m1+m2, m1-m2
	s34, d34 := m3+m4, m3-m4
	y0 = (m0 + s12) + s34
	y1 = d12 + float32(d34*2)
	y2 = s12 + float32(s34*4)
	y3 = (d12 + float32(d34*8)) + m5
	return
}

// transformOutput4x4 turns the 36 products of each tile of one channel
// group (prod laid out [xi][js][sliver][mr][nr], positions plane floats
// apart, slivers s0..s0+sc-1) into its 4x4 outputs Y = At m A, adds the
// bias, applies ReLU and writes those inside the output.
func transformOutput4x4(g Geom, prod, y, bias []float32, relu bool, plane, mr, nr, sm, s0, sc, t0, tc, tilesX int) {
	quads := vector4 && nr%4 == 0
	// Where each quad of whole tiles (t = 4*i) reads its products and
	// stores its outputs, the same for every output channel: found once
	// here, not for each channel with two divisions a tile (each a call
	// to runtime.wasmDiv in WebAssembly). qt[i], in bytes: quad i's
	// products from tile 0's, then its tile k's first output from the
	// plane's start; whole[i]: all four tiles' 4x4 outputs inside.
	var qt [maxQuads4][5]int
	var whole [maxQuads4]bool
	nq := 0
	if quads {
		nq = min(tc/4, maxQuads4)
		ty, tx := t0/tilesX, t0%tilesX // tile t's place, by steps
		for i := 0; i < nq; i++ {
			t := 4 * i
			qt[i][0] = 4 * ((t/nr)*sm*mr*nr + t%nr)
			w := true
			for k := 0; k < 4; k++ {
				oy, ox := 4*ty, 4*tx
				w = w && oy+4 <= g.OH && ox+4 <= g.OW
				qt[i][1+k] = 4 * (oy*g.OW + ox)
				if tx++; tx == tilesX {
					ty, tx = ty+1, 0
				}
			}
			whole[i] = w
		}
	}
	var ys [4][4][4]float32 // [row][col][tile]
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
			// p0 is tile 0's first product; tile t's is at
			// p0 + (t/nr)*sm*mr*nr + t%nr.
			p0 := s*mr*nr + r*nr
			for t, pt, tr := 0, p0, 0; t < tc; {
				n := 1
				if quads && t%4 == 0 && t+4 <= tc {
					// Runs of quads of whole tiles: transformed and stored
					// by the assembly in one call where there is one
					// (WebAssembly).
					i, j := t/4, t/4
					for j < nq && whole[j] {
						j++
					}
					if j > i && outputQuads4Store(prod[p0:], plane, bv, relu, out, &qt, i, j, g.OW) {
						for ; i < j; i++ {
							t, pt, tr = t+4, pt+4, tr+4
							if tr == nr {
								pt, tr = pt-nr+sm*mr*nr, 0
							}
						}
						continue
					}
				}
				p := prod[pt:]
				if quads && t%4 == 0 && t+4 <= tc && outputQuad4(p, plane, bv, relu, &ys) {
					n = 4
				} else {
					outputTile4(p, plane, bv, relu, &ys)
				}
				for k := 0; k < n; k++ {
					tt := t0 + t + k
					ty, tx := tt/tilesX, tt%tilesX
					oy, ox := 4*ty, 4*tx
					if oy+4 <= g.OH && ox+4 <= g.OW {
						for i := 0; i < 4; i++ {
							row := (*[4]float32)(out[(oy+i)*g.OW+ox:])
							row[0], row[1], row[2], row[3] = ys[i][0][k], ys[i][1][k], ys[i][2][k], ys[i][3][k]
						}
						continue
					}
					for i := 0; i < min(4, g.OH-oy); i++ {
						for j := 0; j < min(4, g.OW-ox); j++ {
							out[(oy+i)*g.OW+ox+j] = ys[i][j][k]
						}
					}
				}
				t, pt, tr = t+n, pt+n, tr+n
				if tr == nr {
					pt, tr = pt-nr+sm*mr*nr, 0
				}
			}
		}
	}
}

// maxQuads4 bounds the quads of tiles whose output places
// transformOutput4x4 finds once a call (a block holds about 32 tiles, at
// most 16 on maps of wino4OneBlock tiles); quads past it take the
// general path.
const maxQuads4 = 16

// outputTile4 is Y = At m A (+ bv, ReLU) of the tile whose 36 products
// are p[0], p[plane], ..., into ys[i][j][0].
func outputTile4(p []float32, plane int, bv float32, relu bool, ys *[4][4][4]float32) {
	p = p[:35*plane+1]
	var e [4][6]float32 // At m, column by column
	for j := 0; j < 6; j++ {
		e[0][j], e[1][j], e[2][j], e[3][j] = at6(p[j*plane], p[(6+j)*plane], p[(12+j)*plane], p[(18+j)*plane], p[(24+j)*plane], p[(30+j)*plane])
	}
	for i := 0; i < 4; i++ {
		y0, y1, y2, y3 := at6(e[i][0], e[i][1], e[i][2], e[i][3], e[i][4], e[i][5])
		for j, v := range [4]float32{y0, y1, y2, y3} {
			v += bv
			if relu && v < 0 { // comparisons, not max: see gemm.Epilogue
				v = 0
			}
			ys[i][j][0] = v
		}
	}
}
