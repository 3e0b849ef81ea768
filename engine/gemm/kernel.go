package gemm

import "unsafe"

// Kernel is a register-tile micro-kernel: Fn(kc, a, b, acc) sets
// acc[i*NR+j] = sum over p < kc of a[p*MR+i] * b[p*NR+j], for a packed A
// sliver (kc x MR) and B sliver (kc x NR). Each element must be summed over p
// in increasing order starting from zero, the same way for every tile, so
// results do not depend on where a tile lies or how work is split.
// Faster (SIMD) kernels are added as further Kernel values and selected
// through Tiles; Kernels lists every one this build has, for tests.
type Kernel struct {
	Name   string
	MR, NR int
	Fn     func(kc int, a, b, acc []float32)
	// DotQ returns sum over p of x[p] * float32(q[p]) (len(q) >= len(x)):
	// the dot product of a fully connected layer's int8 weight row with
	// its input at batch 1 (gemv), before the row's scale is applied. The
	// order of the sum is the kernel's own (vector lanes, then a fixed
	// reduction), the same for every row.
	DotQ func(x []float32, q []int8) float32
	// DotQ4, when set, is DotQ on four rows at once (each len >= len(x)),
	// each result with exactly DotQ's bits: x is loaded once for the four
	// rows. gemv calls it on groups of four rows, DotQ on the last ones.
	DotQ4 func(x []float32, q0, q1, q2, q3 []int8) [4]float32
	// Dequant sets dst[i] = float32(q[i]) * sc[i%4] for i < len(q),
	// rounded as dequant rounds: a sliver of prepacked int8 weights (MR 4
	// rows interleaved) into the packed A block (see PackedA).
	Dequant func(dst []float32, q []int8, sc *[4]float32)
	// StoreTile, when set, writes a full MR x NR tile acc into C at c
	// (row stride ldc) for a product with alpha 1 and beta 0: C = acc on
	// the first KC slice, C += acc on later ones, then on the last one the
	// epilogue (bias[i] added to row i when bias is not nil, then ReLU when
	// relu). The operations and their order are those of store and
	// Epilogue.apply, lane by lane, so the bits are theirs. Those two are
	// scalar loops, about a fifth of GoogLeNet's GEMM time with AVX-512.
	StoreTile func(acc, c []float32, ldc int, first, last bool, bias []float32, relu bool)
	// StoreTileAdd, when set, is StoreTile that on the last slice also adds
	// add (laid out as c, row stride ldc) after the bias and before the
	// ReLU (Epilogue.Add), in the same operations as vec.AddRelu. Without it
	// the packed path calls StoreTile and then vec.AddRelu on each row of the tile,
	// which in WebAssembly cost more in calls than a separate pass.
	StoreTileAdd func(acc, c []float32, ldc int, first, last bool, bias, add []float32, relu bool)
	// Edge, when set, is Fn for a tile of which only the first cols
	// columns (0 < cols < NR) are wanted, over the same packed slivers:
	// those columns of acc get exactly Fn's bits, the others any value.
	// A narrower tile saves the work on the last sliver's zero padding.
	Edge func(kc int, a, b, acc []float32, cols int)
	// Edge1x4, when set (MR 4), is Edge with cols 1 on four consecutive
	// A slivers (a: 4*kc*MR floats) and the packed B sliver b: out[4t+i]
	// gets the bits Edge gives acc[i*NR] for sliver t.
	Edge1x4 func(kc int, a, b []float32, out *[16]float32)
	// Tile, when set, is Fn then StoreTileAdd (add nil: StoreTile) in one
	// call, on a full tile of the packed path with alpha 1 and beta 0: the
	// same operations, so the same bits, without the accumulators' trip
	// through acc (bias holds the tile's MR rows' values or is nil).
	Tile func(kc int, a, b, c []float32, ldc int, first, last bool, bias, add []float32, relu bool)
	// TileBcast, when set, is Tile over an A sliver packed broadcast by
	// Bcast (each of its values stored 4 times, kc*MR*4 floats), with
	// Tile's bits: the packed path then broadcasts each A block once
	// instead of the kernel splatting every A value at every tile.
	TileBcast func(kc int, a, b, c []float32, ldc int, first, last bool, bias, add []float32, relu bool)
	// TileRows, when set, is Tile on tiles vertically adjacent full
	// tiles: a holds tiles consecutive A slivers (tiles*kc*MR floats),
	// bias tiles*MR values or nil, C and add tiles*MR rows; each tile gets
	// Tile's bits. The packed path calls it once for a block's full
	// slivers under a B sliver instead of Tile sliver by sliver. b is the
	// B sliver's kc rows at row stride ldb (TilePair's b and ldb).
	TileRows func(kc, tiles int, a, b []float32, ldb int, c []float32, ldc int, first, last bool, bias, add []float32, relu bool)
	// TileRows4, when set (NR 8), is TileRows on the first 4 columns of
	// the B sliver only, the first 4 columns of C's rows written: the last
	// sliver of a product whose n is 4 more than a multiple of 8, with
	// the bits TileRows gives those columns.
	TileRows4 func(kc, tiles int, a, b []float32, ldb int, c []float32, ldc int, first, last bool, bias, add []float32, relu bool)
	// TileBcastRows is TileRows over broadcast A slivers (TileBcast's).
	TileBcastRows func(kc, tiles int, a, b []float32, ldb int, c []float32, ldc int, first, last bool, bias, add []float32, relu bool)
	// TilePair, when set, is Tile on two vertically adjacent tiles at
	// once, of which the first cols columns (0 < cols <= NR) are read and
	// written: a holds two consecutive A slivers (2*kc*MR floats, as the
	// packed block lays them out), bias 2*MR values or nil, and those
	// columns of C's 2*MR rows get the bits Fn and StoreTileAdd (or store
	// and Epilogue.apply on an edge) give each sliver. A tile twice as tall
	// loads each B vector for twice the multiply-adds (amd64's assembly,
	// tile_amd64.s).
	// b is the B sliver's kc rows of NR values at row stride ldb: NR for
	// a packed sliver, or B's own stride where the packed path reads B
	// unpacked (see directB); only its first cols columns are read.
	// nextB asks the tile to prefetch, while it runs, the next B sliver:
	// the NR columns of B's kc rows that follow its own (at ldb, the next
	// sliver read in place), or for a packed sliver (ldb NR) the kc*NR
	// values that follow it: a hint, results do not depend on it.
	TilePair func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, nextB bool, bias, add []float32, relu bool)
	// TileTriple, when set (with TilePair), is TilePair on three
	// vertically adjacent tiles: a holds three consecutive A slivers
	// (3*kc*MR floats), bias 3*MR values or nil; each sliver's rows get
	// the same bits as from TilePair. The packed path takes it for three
	// slivers at a time while at least three remain and not exactly four
	// (those take two pairs), so a block in pairs of slivers is covered
	// by triples and pairs alone.
	TileTriple func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, nextB bool, bias, add []float32, relu bool)
	// Edge4, when set (MR 4, NR 32), computes the first 4 columns of
	// slivers (4 or 8) consecutive A slivers (a: slivers*kc*MR floats)
	// over B's kc rows b at row stride ldb (only their first 4 values
	// read): out[4*i+j] gets the bits Fn gives acc[(i%MR)*NR+j] for sliver
	// i/MR. The packed path takes it for the last strip of a product
	// whose n is 4 more than a multiple of NR (14x14 maps: n = 196), which
	// a 32-column tile masked to 4 columns computes at the cost of a full
	// strip.
	Edge4 func(kc, slivers int, a, b []float32, ldb int, out *[128]float32)
	// Tile48, when set (MR 4, NR 32, with CopyStrip48), is TilePair on 48
	// columns: two A slivers (2*kc*MR floats) over B's kc rows of 48
	// values at stride ldb, all 48 columns of C's 8 rows written, each
	// with the bits TilePair gives it. Where the packed path reads B in
	// place (directB) and copies deep strips, it runs the product in
	// strips of 48 columns (CopyStrip48 copies one, prefetching the next
	// when next), then the rest as before; shallow slices (directPanels)
	// read B in place, and nextB asks for the next 48 columns of B's rows
	// to be prefetched (as TilePair's).
	Tile48      func(kc int, a, b []float32, ldb int, c []float32, ldc int, first, last, nextB bool, bias, add []float32, relu bool)
	CopyStrip48 func(dst, src []float32, ldb, kc int, next bool)
	// TilePairPF and TileTriplePF, when set, are TilePair and TileTriple
	// that prefetch into L2, while they run, the 64*kc bytes from pf on
	// (nil: none) instead of the next B sliver: operands the caller reads
	// next that are not B (winogradTM's int16 kernels for the next
	// position, widened to B after this tile). A hint: results do not
	// depend on it, and pf may be any address.
	TilePairPF   func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last bool, pf unsafe.Pointer, bias, add []float32, relu bool)
	TileTriplePF func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last bool, pf unsafe.Pointer, bias, add []float32, relu bool)
	// Bcast sets dst[4*i+l] = src[i] for l < 4 (len(dst) = 4*len(src)).
	Bcast func(dst, src []float32)
	// MC, when set, is the height of the A block when it is broadcast
	// (instead of Tiles.MC: the broadcast block is 4 times the plain one).
	MC int
	// KC, when set, is the depth of the packed slices TilesFor gives this
	// kernel instead of the default (see there).
	KC int
}

// Generic is the portable kernel, with no build tag: a 4x2 tile in scalar
// Go. 4x2 because scalar Go code on amd64 has 15 float registers: 8
// accumulators + 2 values of B + 1 of A fit (Go's wasm port also has 16
// float registers), where a 4x4 tile spilled about half its operands to the
// stack: 4x4 ran 3.9 GFLOP/s per CPU-second here, 4x2 4.5, 6x2 4.2 and 3x3
// 4.7 (not worth an odd tile the SIMD kernels would not share).
var Generic = Kernel{Name: "generic4x2", MR: 4, NR: 2, Fn: kernel4x2, DotQ: dotQ, Dequant: dequant4}

// Kernels returns every micro-kernel this build can run on this CPU,
// Generic first, then the SIMD kernels fastest first. SIMD kernels live in
// files built with GOEXPERIMENT=simd on amd64 (AVX512, AVX2) and wasm
// (SIMD128); the convscope_nosimd build tag leaves them out.
func Kernels() []Kernel { return append([]Kernel{Generic}, simdKernels...) }

// simdKernels are the SIMD kernels of this build the CPU supports.
var simdKernels = archKernels()

func kernel4x2(kc int, a, b, acc []float32) {
	const mr, nr = 4, 2
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	a = a[:kc*mr]
	b = b[:kc*nr]
	for p := 0; p < kc; p++ {
		av := (*[mr]float32)(a[p*mr:])
		bv := (*[nr]float32)(b[p*nr:])
		b0, b1 := bv[0], bv[1]
		a0 := av[0]
		c00 += a0 * b0
		c01 += a0 * b1
		a1 := av[1]
		c10 += a1 * b0
		c11 += a1 * b1
		a2 := av[2]
		c20 += a2 * b0
		c21 += a2 * b1
		a3 := av[3]
		c30 += a3 * b0
		c31 += a3 * b1
	}
	out := (*[mr * nr]float32)(acc)
	*out = [mr * nr]float32{c00, c01, c10, c11, c20, c21, c30, c31}
}

// dotQ is Generic's DotQ: four partial sums over p mod 4, combined as
// (s0+s1)+(s2+s3), plus the tail in order.
func dotQ(x []float32, q []int8) float32 {
	q = q[:len(x)]
	var s0, s1, s2, s3 float32
	p := 0
	for ; p+4 <= len(x); p += 4 {
		xv := (*[4]float32)(x[p:])
		qv := (*[4]int8)(q[p:])
		s0 += xv[0] * float32(qv[0])
		s1 += xv[1] * float32(qv[1])
		s2 += xv[2] * float32(qv[2])
		s3 += xv[3] * float32(qv[3])
	}
	s := (s0 + s1) + (s2 + s3)
	for ; p < len(x); p++ {
		s += x[p] * float32(q[p])
	}
	return s
}

// sumLanes16 adds 16 vector lanes in a fixed pairwise tree.
func sumLanes16(l *[16]float32) float32 {
	return (((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))) +
		(((l[8] + l[9]) + (l[10] + l[11])) + ((l[12] + l[13]) + (l[14] + l[15])))
}
