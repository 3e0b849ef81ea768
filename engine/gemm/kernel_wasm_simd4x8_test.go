//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWasmAsmKernel: SIMD128's assembly micro-kernel gives the Go
// kernel's bits (both NaN where it has NaN) on slivers of every depth the
// loop treats differently (none, one step, odd counts, a whole KC slice),
// with NaN, infinities and signed zeros among the values, and its Go
// wrapper panics on operands shorter than kc. In the relaxed-SIMD build the
// assembly rounds with FMA and the Go kernel does not: there the sums
// agree within sameOrFMA's tolerance instead of bit for bit.
func TestWasmAsmKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(95, 96))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	for _, kc := range []int{0, 1, 2, 3, 7, 64, 255, 1024, 1025} {
		for trial := 0; trial < 3; trial++ {
			a, b := randMat(r, kc*4), randMat(r, kc*8)
			for i := 0; i < trial && kc > 0; i++ {
				a[r.IntN(len(a))] = special[r.IntN(len(special))]
				b[r.IntN(len(b))] = special[r.IntN(len(special))]
			}
			want := make([]float32, 32)
			SIMD128Go.Fn(kc, a, b, want)
			got := make([]float32, 32)
			for i := range got {
				got[i] = 7 // the kernel sets every value
			}
			SIMD128.Fn(kc, a, b, got)
			for i := range got {
				g, w := got[i], want[i]
				if !sameOrFMA(g, w, kc) {
					t.Fatalf("kc=%d trial %d: acc[%d] = %v, the Go kernel gives %v", kc, trial, i, g, w)
				}
			}
		}
	}
	for _, short := range []struct{ a, b, acc int }{{4*8 - 1, 8 * 8, 32}, {4 * 8, 8*8 - 1, 32}, {4 * 8, 8 * 8, 31}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("kc=8 with len(a)=%d len(b)=%d len(acc)=%d did not panic", short.a, short.b, short.acc)
				}
			}()
			SIMD128.Fn(8, make([]float32, short.a), make([]float32, short.b), make([]float32, short.acc))
		}()
	}
}

// TestWasmTile: SIMD128's Tile (and TileBcast over the broadcast A
// sliver) stores what Fn then StoreTileAdd store,
// bit for bit, for every combination of first, last, bias, residual and
// ReLU, over a C with other values around the tile (left as they were),
// with negative values, NaN and signed zeros among the sums (within
// sameOrFMA's tolerance in the relaxed-SIMD build, Fn there being the Go
// kernel's, without FMA).
func TestWasmTile(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	const kc, ldc = 37, 13
	a, b := randMat(r, kc*4), randMat(r, kc*8)
	a[5] = float32(math.NaN())
	b[3] = float32(math.Copysign(0, -1))
	c0 := randMat(r, 4*ldc)
	bias := randMat(r, 4)
	res := randMat(r, 4*ldc)
	acc := make([]float32, 32)
	SIMD128Go.Fn(kc, a, b, acc)
	for mask := 0; mask < 32; mask++ {
		first, last, relu, bs, add := epilogueCase(mask, bias, res)
		want := append([]float32(nil), c0...)
		storeTileAddSIMD128x8(acc, want[2:], ldc, first, last, bs, tail(add, 2), relu)
		got := append([]float32(nil), c0...)
		SIMD128.Tile(kc, a, b, got[2:], ldc, first, last, bs, tail(add, 2), relu)
		abc := make([]float32, 4*len(a))
		SIMD128.Bcast(abc, a)
		gotB := append([]float32(nil), c0...)
		SIMD128.TileBcast(kc, abc, b, gotB[2:], ldc, first, last, bs, tail(add, 2), relu)
		for i := range got {
			for name, g := range map[string]float32{"Tile": got[i], "TileBcast": gotB[i]} {
				w := want[i]
				if !sameOrFMA(g, w, kc) {
					t.Fatalf("%s first=%v last=%v relu=%v bias=%v add=%v: C[%d] = %v, Fn+StoreTileAdd %v", name, first, last, relu, bs != nil, add != nil, i, g, w)
				}
			}
		}
	}
	// Bcast on lengths that are not a multiple of 4, and one that is.
	for _, n := range []int{7, 37, 64} {
		src := randMat(r, n)
		dst := make([]float32, 4*n)
		SIMD128.Bcast(dst, src)
		for i, v := range dst {
			if v != src[i/4] {
				t.Fatalf("Bcast %d values: dst[%d] = %v, want src[%d] = %v", n, i, v, i/4, src[i/4])
			}
		}
	}
}

func tail(s []float32, i int) []float32 {
	if s == nil {
		return nil
	}
	return s[i:]
}

// TestWasmTileRows: SIMD128's TileRows (TileBcastRows over the broadcast
// slivers, reading B in place at a row stride of ldbW) stores what Tile (TileBcast) stores sliver by sliver, bit for
// bit, for 1 to 5 tiles, every combination of first, last, bias, residual
// and ReLU, leaving the values around the tiles as they were.
func TestWasmTileRows(t *testing.T) {
	r := rand.New(rand.NewPCG(99, 100))
	const ldc = 13
	for _, kc := range []int{1, 37} {
		for tiles := 1; tiles <= 5; tiles++ {
			rows := 4 * tiles
			a, b := randMat(r, tiles*kc*4), randMat(r, kc*8)
			a[r.IntN(len(a))] = float32(math.NaN())
			b[r.IntN(len(b))] = float32(math.Copysign(0, -1))
			abc := make([]float32, 4*len(a))
			SIMD128.Bcast(abc, a)
			bw := inPlaceB(r, b, kc, 8)
			c0 := randMat(r, rows*ldc+2)
			bias := randMat(r, rows)
			res := randMat(r, rows*ldc+2)
			for mask := 0; mask < 32; mask++ {
				first, last, relu, bs, add := epilogueCase(mask, bias, res)
				want := append([]float32(nil), c0...)
				for i := 0; i < tiles; i++ {
					var bi []float32
					if bs != nil {
						bi = bs[4*i:]
					}
					SIMD128.Tile(kc, a[i*kc*4:], b, want[2+4*i*ldc:], ldc, first, last, bi, tail(add, 2+4*i*ldc), relu)
				}
				got := append([]float32(nil), c0...)
				SIMD128.TileRows(kc, tiles, a, b, 8, got[2:], ldc, first, last, bs, tail(add, 2), relu)
				gotB := append([]float32(nil), c0...)
				SIMD128.TileBcastRows(kc, tiles, abc, bw, ldbW, gotB[2:], ldc, first, last, bs, tail(add, 2), relu)
				for i := range got {
					for name, g := range map[string]float32{"TileRows": got[i], "TileBcastRows": gotB[i]} {
						w := want[i]
						if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
							t.Fatalf("%s kc=%d tiles=%d first=%v last=%v relu=%v bias=%v add=%v: C[%d] = %v, Tile %v", name, kc, tiles, first, last, relu, bs != nil, add != nil, i, g, w)
						}
					}
				}
			}
		}
	}
}

// TestPackB8: packB's 8-wide panels (the full slivers copied by
// packRows8's assembly, the partial one in Go) hold B's values at their
// places and zeros past the panel's columns, for panels with and without
// a partial sliver, at an offset in B.
func TestPackB8(t *testing.T) {
	r := rand.New(rand.NewPCG(101, 102))
	const ldb = 53
	bm := randMat(r, 40*ldb)
	for _, s := range []struct{ p0, j0, kc, nc int }{{0, 0, 1, 8}, {3, 5, 7, 16}, {2, 1, 37, 45}, {0, 0, 40, 53}, {1, 2, 5, 3}} {
		dst := randMat(r, (s.nc+7)/8*8*s.kc)
		packB(dst, 8, false, Float(bm, ldb), s.p0, s.j0, s.kc, s.nc)
		for sl := 0; sl*8 < s.nc; sl++ {
			for p := 0; p < s.kc; p++ {
				for j := 0; j < 8; j++ {
					var want float32
					if sl*8+j < s.nc {
						want = bm[(s.p0+p)*ldb+s.j0+sl*8+j]
					}
					if got := dst[(sl*s.kc+p)*8+j]; got != want {
						t.Fatalf("%+v: sliver %d row %d col %d = %v, want %v", s, sl, p, j, got, want)
					}
				}
			}
		}
	}
}

// TestWasmTileRows4: SIMD128's TileRows4 (reading B in place at a row
// stride of ldbW) stores into the first 4 columns
// of C's rows what TileRows stores there (the sliver's other 4 columns of
// B hold other values, which must not matter), bit for bit, for 1 to 5
// tiles and every combination of first, last, bias, residual and ReLU,
// and leaves every other value of C as it was.
func TestWasmTileRows4(t *testing.T) {
	r := rand.New(rand.NewPCG(103, 104))
	const ldc = 13
	for _, kc := range []int{1, 37} {
		for tiles := 1; tiles <= 5; tiles++ {
			rows := 4 * tiles
			a, b := randMat(r, tiles*kc*4), randMat(r, kc*8)
			a[r.IntN(len(a))] = float32(math.NaN())
			b[r.IntN(len(b))] = float32(math.Copysign(0, -1))
			bw4 := inPlaceB(r, b, kc, 4)
			c0 := randMat(r, rows*ldc+2)
			bias := randMat(r, rows)
			res := randMat(r, rows*ldc+2)
			for mask := 0; mask < 32; mask++ {
				first, last, relu, bs, add := epilogueCase(mask, bias, res)
				full := append([]float32(nil), c0...)
				SIMD128.TileRows(kc, tiles, a, b, 8, full[2:], ldc, first, last, bs, tail(add, 2), relu)
				got := append([]float32(nil), c0...)
				SIMD128.TileRows4(kc, tiles, a, bw4, ldbW, got[2:], ldc, first, last, bs, tail(add, 2), relu)
				for i := range got {
					w := c0[i]
					if col := (i - 2) % ldc; i >= 2 && i < 2+rows*ldc && col < 4 {
						w = full[i]
					}
					if g := got[i]; math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
						t.Fatalf("kc=%d tiles=%d first=%v last=%v relu=%v bias=%v add=%v: C[%d] = %v, want %v", kc, tiles, first, last, relu, bs != nil, add != nil, i, g, w)
					}
				}
			}
		}
	}
}

// ldbW is the row stride of the B the TileRows tests read in place.
const ldbW = 11

// inPlaceB returns the packed sliver b (kc rows of 8) as the first cols
// columns of a B with rows ldbW apart, other values around them and no
// values after the last row's cols: reading past them would panic or show.
func inPlaceB(r *rand.Rand, b []float32, kc, cols int) []float32 {
	w := randMat(r, (kc-1)*ldbW+cols)
	for p := 0; p < kc; p++ {
		copy(w[p*ldbW:p*ldbW+cols], b[p*8:p*8+cols])
	}
	return w
}

// TestWasmEdge1x4: SIMD128's Edge1x4 gives each of its four slivers'
// column 0 the bits Edge gives it with cols 1, sliver by sliver, for
// depths 0 to 37, with NaN and signed zeros among the values.
func TestWasmEdge1x4(t *testing.T) {
	r := rand.New(rand.NewPCG(105, 106))
	for _, kc := range []int{0, 1, 2, 5, 37} {
		a, b := randMat(r, 16*kc), randMat(r, 8*kc)
		if kc > 0 {
			a[r.IntN(len(a))] = float32(math.NaN())
			b[r.IntN(len(b))] = float32(math.Copysign(0, -1))
		}
		var got [16]float32
		for i := range got {
			got[i] = 7
		}
		SIMD128.Edge1x4(kc, a, b, &got)
		for s := 0; s < 4; s++ {
			acc := make([]float32, 32)
			SIMD128.Edge(kc, a[s*kc*4:(s+1)*kc*4], b, acc, 1)
			for i := 0; i < 4; i++ {
				g, w := got[4*s+i], acc[i*8]
				if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
					t.Fatalf("kc=%d sliver %d row %d: %v, Edge gives %v", kc, s, i, g, w)
				}
			}
		}
	}
}

// epilogueCase is the tile epilogue of case mask (0 to 31) of the tests'
// loops: its bits say first, last, ReLU, bias (else nil) and residual
// (else nil), so 32 cases cover every combination.
func epilogueCase(mask int, bias, res []float32) (first, last, relu bool, bs, add []float32) {
	first, last, relu = mask&1 != 0, mask&2 != 0, mask&4 != 0
	if mask&8 != 0 {
		bs = bias
	}
	if mask&16 != 0 {
		add = res
	}
	return
}
