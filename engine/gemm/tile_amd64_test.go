//go:build amd64 && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"
	"unsafe"
)

// withPF is a TilePairPF (TileTriplePF) as a TilePair that prefetches a
// buffer of its own (nil for nil).
func withPF(f func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last bool, pf unsafe.Pointer, bias, add []float32, relu bool)) func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, nextB bool, bias, add []float32, relu bool) {
	if f == nil {
		return nil
	}
	buf := make([]int16, 1<<15)
	return func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, _ bool, bias, add []float32, relu bool) {
		f(kc, a, b, ldb, c, ldc, cols, first, last, unsafe.Pointer(&buf[kc%7]), bias, add, relu)
	}
}

// TestTilePairSameBits: TilePair and TileTriple (and their PF forms, which
// prefetch from a pointer of their own) give, for each of their two
// (three) A slivers, the bits of Fn followed by store and Epilogue.apply
// (the packed path's generic store) on that sliver's first cols columns,
// and leave every other value of C alone: first, middle and last KC
// slices, with and without bias, residual and ReLU, full and edge tiles,
// at depths that leave both loop tails, on values that include NaN,
// infinities and signed zeros.
func TestTilePairSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0}
	tested := 0
	for _, kern := range Kernels() {
		for _, tile := range []struct {
			name    string
			slivers int
			fn      func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, nextB bool, bias, add []float32, relu bool)
		}{{"TilePair", 2, kern.TilePair}, {"TileTriple", 3, kern.TileTriple}, {"TilePairPF", 2, withPF(kern.TilePairPF)}, {"TileTriplePF", 3, withPF(kern.TileTriplePF)}} {
			if tile.fn == nil {
				continue
			}
			tested++
			mr, nr, hs := kern.MR, kern.NR, tile.slivers
			ldc := nr + 5
			for _, kc := range []int{1, 2, 3, 7, 64, 255, 256} {
				for trial := 0; trial < 16; trial++ {
					a, b := randMat(r, hs*kc*mr), randMat(r, kc*nr)
					c0, add, bias := randMat(r, hs*mr*ldc), randMat(r, hs*mr*ldc), randMat(r, hs*mr)
					for _, s := range [][]float32{a, b, c0, add, bias} {
						for i := 0; i < 2; i++ {
							s[r.IntN(len(s))] = special[r.IntN(len(special))]
						}
					}
					first, last, relu := trial&1 != 0, trial&2 != 0, trial&4 != 0
					// Every width from 1 to nr over the trials and depths,
					// 32 and 17 (49 = 32+17 pixels) often.
					cols := []int{nr, nr, nr - 1, nr/2 + 1, nr / 2, 5, 1, nr/2 + 1}[trial%8]
					if trial >= 8 {
						cols = 1 + (trial+kc*3)%nr
					}
					if trial&8 != 0 {
						bias = nil
					}
					if trial%3 == 0 {
						add = nil
					}
					want := append([]float32(nil), c0...)
					acc := make([]float32, mr*nr)
					for h := 0; h < hs; h++ {
						kern.Fn(kc, a[h*kc*mr:(h+1)*kc*mr], b, acc)
						var bh []float32
						if bias != nil {
							bh = bias[h*mr : (h+1)*mr]
						}
						store(acc, nr, mr, cols, 1, 0, first, want, h*mr*ldc, ldc)
						if last {
							Epilogue{RowBias: bh, Add: add, Relu: relu}.apply(want, h*mr*ldc, mr, cols, ldc, 0)
						}
					}
					got := append([]float32(nil), c0...)
					tile.fn(kc, a, b, nr, got, ldc, cols, first, last, trial&4 != 0, bias, add, relu)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
							t.Fatalf("%s %s kc=%d cols=%d first=%v last=%v bias=%v add=%v relu=%v: C[%d][%d] = %v, Fn+store %v",
								kern.Name, tile.name, kc, cols, first, last, bias != nil, add != nil, relu, i/ldc, i%ldc, got[i], want[i])
						}
					}
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no kernel of this CPU has TilePair (AVX-512 has)")
	}
}

// TestTilePairProducts: the packed path with TilePair gives the bits of the
// same kernel without it (each tile through Fn and StoreTile), on products
// with an odd number of slivers in a block, edge columns, several KC slices
// and blocks, int8 prepacked A, bias, residual and ReLU; those with rows in
// pairs of slivers and A small enough read B in place (directB), here also
// split over 3 workers by column strips. Blocks of 3, 5, 7, 16 and more
// slivers take TileTriple and TilePair together.
func TestTilePairProducts(t *testing.T) {
	r := rand.New(rand.NewPCG(99, 100))
	for _, kern := range Kernels() {
		if kern.TilePair == nil {
			continue
		}
		plain := kern
		plain.TilePair, plain.TileTriple, plain.Edge4, plain.Tile48 = nil, nil, nil, nil
		for _, sh := range [][3]int{{64, 3136 / 4, 64}, {70, 200, 600}, {12, 96, 256}, {4, 64, 33}, {132, 45, 257}, {136, 200, 600}, {40, 45, 300}, {16, 1000, 64}, {128, 70, 300}, {504, 40, 256}, {1024, 33, 256}, {20, 100, 70}, {28, 64, 64}, {24, 40, 300}, {256, 3136 / 8, 64}} {
			m, n, k := sh[0], sh[1], sh[2]
			aq, _ := quantize(r, m, k, false)
			bm := randMat(r, k*n)
			ep := Epilogue{RowBias: randMat(r, m), Add: randMat(r, m*n), Relu: true}
			want := prepackedProduct(TilesFor(plain), aq, bm, ep, m, n, k)
			got := prepackedProduct(TilesFor(kern), aq, bm, ep, m, n, k)
			if i := firstBitDiff(got, want); i >= 0 {
				t.Fatalf("%s %dx%dx%d: C[%d] = %v with TilePair, %v without", kern.Name, m, n, k, i, got[i], want[i])
			}
			pair := kern
			pair.TileTriple = nil
			if i := firstBitDiff(prepackedProduct(TilesFor(pair), aq, bm, ep, m, n, k), want); i >= 0 {
				t.Fatalf("%s %dx%dx%d without TileTriple: C[%d] differs", kern.Name, m, n, k, i)
			}
			tl := TilesFor(kern)
			a := aq.WithPacked(PackInt8A(tl, aq.Q, aq.Scales, k, m, k))
			ParallelMatrix(tl, ep, 3, false, false, m, n, k, 1, a, Float(bm, n), 0, got, n)
			if i := firstBitDiff(got, want); i >= 0 {
				t.Fatalf("%s %dx%dx%d, 3 workers: C[%d] = %v with TilePair, %v without", kern.Name, m, n, k, i, got[i], want[i])
			}
		}
	}
}

// TestTileColumnTails: products of every column tail (n = 32q+t, t 1..31,
// and n < 32) and row tails (m not a multiple of 8 or 12 rows: single
// slivers, pairs and triples together) give with TilePair and TileTriple
// the bits of the same kernel without them (each tile through Fn and the
// generic store), packed and in place (directB), one and 2 workers, with
// and without bias, residual and ReLU; deep ones (k >= copyStripMinK) copy
// their last strip (copyTail); 49 columns (7x7 maps) at the depths of
// ResNet-50's layer4.
func TestTileColumnTails(t *testing.T) {
	r := rand.New(rand.NewPCG(109, 110))
	for _, kern := range Kernels() {
		if kern.TilePair == nil {
			continue
		}
		var shapes []productShape
		for tl := 1; tl < 32; tl++ {
			shapes = append(shapes, productShape{[]int{24, 20, 36, 4, 16, 44, 8}[tl%7], 32 + tl, 1 + tl%5*37}, productShape{12, tl, 65})
		}
		shapes = append(shapes, productShape{512, 49, 300}, productShape{2048 / 16, 49, 512}, productShape{132, 17, 257}, productShape{56, 81, 130}, productShape{96, 49, 256})
		sameBitsAsPlain(t, r, kern, "TilePair", shapes, nil)
	}
}

// TestAVX512AsmFn: AVX512's Fn in assembly gives the bits of the Go 4x32
// kernel it replaced, at depths that leave both loop tails, with NaN,
// infinities and signed zeros among the values.
func TestAVX512AsmFn(t *testing.T) {
	if !archsimd.X86.AVX512() {
		t.Skip("the CPU has no AVX-512")
	}
	r := rand.New(rand.NewPCG(105, 106))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	for _, kc := range []int{1, 2, 3, 7, 64, 255, 256} {
		for trial := 0; trial < 8; trial++ {
			a, b := randMat(r, kc*4), randMat(r, kc*32)
			for i := 0; i < trial%3; i++ {
				a[r.IntN(len(a))] = special[r.IntN(len(special))]
				b[r.IntN(len(b))] = special[r.IntN(len(special))]
			}
			want, got := make([]float32, 128), make([]float32, 128)
			kernelAVX512x4x32(kc, a, b, want)
			kernelAVX512Asm(kc, a, b, got)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("kc=%d: acc[%d] = %v, the Go kernel %v", kc, i, got[i], want[i])
				}
			}
		}
	}
}

// TestCopyStrip: copyStrip copies kc rows of 32 values at row stride ldb
// into a packed sliver, exactly, and touches nothing past it.
func TestCopyStrip(t *testing.T) {
	r := rand.New(rand.NewPCG(107, 108))
	for _, kc := range []int{1, 2, 7, 128, 256} {
		for _, ldb := range []int{32, 33, 196, 3136} {
			src := randMat(r, (kc-1)*ldb+32)
			dst := make([]float32, kc*32+1)
			dst[kc*32] = 7
			if !copyStrip(dst, src, ldb, kc, kc%2 == 0) {
				t.Skip("no copyStrip in this build")
			}
			for p := 0; p < kc; p++ {
				for j := 0; j < 32; j++ {
					if math.Float32bits(dst[p*32+j]) != math.Float32bits(src[p*ldb+j]) {
						t.Fatalf("kc=%d ldb=%d: dst[%d][%d] = %v, src %v", kc, ldb, p, j, dst[p*32+j], src[p*ldb+j])
					}
				}
			}
			if dst[kc*32] != 7 {
				t.Fatalf("kc=%d ldb=%d: wrote past the sliver", kc, ldb)
			}
		}
	}
}

// TestDirectPanels: directB blocks read in place (kc < copyStripMinK) give
// the same bits a panel of slivers at a time (directPanels, rows outer) as
// one sliver of 32 columns at a time (directPanel 1, no Tile48), strips
// of 48 (Tile48) in panels of 1, 3 and 4 included, with and without a
// residual, with column tails inside and after a panel, pairs and triples
// of slivers, 1 and 3 workers.
func TestDirectPanels(t *testing.T) {
	r := rand.New(rand.NewPCG(107, 108))
	defer func(v, v48 int) { directPanel, directPanel48 = v, v48 }(directPanel, directPanel48)
	for _, kern := range Kernels() {
		if kern.TilePair == nil {
			continue
		}
		tl := TilesFor(kern)
		// The reference runs no strips of 48 (Tile48): one sliver of 32 at a time.
		ref := kern
		ref.Tile48 = nil
		tref := TilesFor(ref)
		for _, sh := range [][3]int{{256, 3136 / 8, 64}, {64, 1000, 64}, {24, 300, 100}, {48, 129, 1}, {8, 31, 127}, {40, 97, 33}, {512, 200, 64}, {16, 48, 64}, {32, 145, 96}, {8, 3136 / 4, 64}} {
			m, n, k := sh[0], sh[1], sh[2]
			aq, _ := quantize(r, m, k, false)
			a := aq.WithPacked(PackInt8A(tl, aq.Q, aq.Scales, k, m, k))
			bm := randMat(r, k*n)
			for _, ep := range []Epilogue{{RowBias: randMat(r, m), Add: randMat(r, m*n), Relu: true}, {RowBias: randMat(r, m)}, {}} {
				directPanel = 1
				want := make([]float32, m*n)
				ParallelMatrix(tref, ep, 1, false, false, m, n, k, 1, a, Float(bm, n), 0, want, n)
				for _, p := range []int{2, 4, 5} {
					for _, w := range []int{1, 3} {
						directPanel, directPanel48 = p, p-1
						got := make([]float32, m*n)
						ParallelMatrix(tl, ep, w, false, false, m, n, k, 1, a, Float(bm, n), 0, got, n)
						if i := firstBitDiff(got, want); i >= 0 {
							t.Fatalf("%s %dx%dx%d panel %d, %d workers: C[%d] = %v, %v one sliver of 32 at a time", kern.Name, m, n, k, p, w, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestEdge4Kernel: Edge4 gives each of its 4 or 8 slivers' rows the bits
// of Fn's first 4 columns, at depths 1..300, B packed (ldb 32) or read in
// place (a wider stride), with NaN, infinities and signed zeros among the
// values, and reads no column of B past the fourth (the rest is NaN).
func TestEdge4Kernel(t *testing.T) {
	if AVX512.Edge4 == nil || !archsimd.X86.AVX512() {
		t.Skip("no Edge4")
	}
	r := rand.New(rand.NewPCG(111, 112))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0}
	for _, kc := range []int{1, 2, 3, 7, 64, 127, 128, 255, 256, 300} {
		for _, sl := range []int{4, 8} {
			for _, ldb := range []int{32, 4, 196} {
				for trial := 0; trial < 3; trial++ {
					a := randMat(r, sl*kc*4)
					b := make([]float32, (kc-1)*ldb+4)
					for i := range b {
						b[i] = float32(math.NaN())
					}
					packedB := make([]float32, kc*32) // Fn's sliver: B's 4 columns, then zeros
					for p := 0; p < kc; p++ {
						for j := 0; j < 4; j++ {
							v := float32(r.NormFloat64())
							if trial > 0 && r.IntN(8) == 0 {
								v = special[r.IntN(len(special))]
							}
							b[p*ldb+j], packedB[p*32+j] = v, v
						}
					}
					for i := 0; trial > 0 && i < 2*trial; i++ {
						a[r.IntN(len(a))] = special[r.IntN(len(special))]
					}
					var out [128]float32
					AVX512.Edge4(kc, sl, a, b, ldb, &out)
					acc := make([]float32, 128)
					for s := 0; s < sl; s++ {
						AVX512.Fn(kc, a[s*kc*4:(s+1)*kc*4], packedB, acc)
						for i := 0; i < 4; i++ {
							for j := 0; j < 4; j++ {
								got, want := out[4*(4*s+i)+j], acc[i*32+j]
								if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
									t.Fatalf("kc=%d slivers=%d ldb=%d: row %d col %d = %v, Fn %v", kc, sl, ldb, 4*s+i, j, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestEdge4Products: products whose last strip is 4 columns wide (n =
// 32q+4, 14x14 maps' 196) give with Edge4 the bits of the same kernel
// without it and without TilePair and TileTriple (every tile through Fn
// and the generic store): rows in blocks of 8 and 4 slivers and the rest,
// B packed and in place (directB, KC slices copied or not), A prepacked
// int8 and float32, one and 2 workers, with and without bias, residual and
// ReLU.
func TestEdge4Products(t *testing.T) {
	r := rand.New(rand.NewPCG(113, 114))
	for _, kern := range Kernels() {
		if kern.Edge4 == nil {
			continue
		}
		noEdge := kern
		noEdge.Edge4 = nil
		shapes := []productShape{{16, 4, 9}, {32, 36, 65}, {48, 196, 130}, {20, 196, 300}, {52, 100, 257}, {100, 68, 64}, {256, 196, 1024}, {1024, 196, 256}, {208, 196, 480}, {24, 36, 513}}
		sameBitsAsPlain(t, r, kern, "Edge4", shapes, func(aq Matrix, bm []float32, ep Epilogue, ei, m, n, k int) {
			// A as float32 (packA, not prepacked).
			af := make([]float32, m*k)
			for i := 0; i < m; i++ {
				for p := 0; p < k; p++ {
					af[i*k+p] = dequant(aq.Q[i*k+p], aq.Scales[i])
				}
			}
			want, got := make([]float32, m*n), make([]float32, m*n)
			ParallelMatrix(TilesFor(noEdge), ep, 1, false, false, m, n, k, 1, Float(af, k), Float(bm, n), 0, want, n)
			ParallelMatrix(TilesFor(kern), ep, 1, false, false, m, n, k, 1, Float(af, k), Float(bm, n), 0, got, n)
			if i := firstBitDiff(got, want); i >= 0 {
				t.Fatalf("%s %dx%dx%d epilogue %d, float32 A: C[%d][%d] = %v with Edge4, %v without", kern.Name, m, n, k, ei, i/n, i%n, got[i], want[i])
			}
		})
	}
}

// TestTile48Products: products that run in strips of 48 columns (B read
// in place, deep KC slices copied: Tile48 and CopyStrip48; or B packed in
// slivers of 48 and panels of 1056 columns: packed48) give the bits
// of the same kernel without Tile48, TilePair, TileTriple and Edge4
// (every tile through Fn and the generic store): widths with no rest and
// with rests of 1..47 columns, several KC slices (the later ones shallow),
// one and 2 workers (strips cut at 96 columns), with and without bias,
// residual and ReLU.
func TestTile48Products(t *testing.T) {
	r := rand.New(rand.NewPCG(115, 116))
	for _, kern := range Kernels() {
		if kern.Tile48 == nil {
			continue
		}
		shapes := []productShape{{8, 48, 128}, {16, 49, 200}, {24, 96, 256}, {64, 100, 300}, {136, 144, 513}, {8, 196, 1024}, {40, 250, 129}, {128, 784, 256}, {16, 95, 384}, {32, 191, 130},
			{64, 97, 130}, {48, 147, 256}, {32, 51, 300}, {512, 49, 256}, {16, 3, 200}, {32, 2, 64},
			// A too large to read B in place: B packed in slivers of 48 (packed48).
			{1024, 196, 256}, {520, 100, 300}, {576, 49, 260}, {528, 150, 257}, {536, 1100, 300}, {516, 60, 300}, {520, 98, 300}, {528, 51, 129}, {544, 147, 256}}
		sameBitsAsPlain(t, r, kern, "Tile48", shapes, nil)
	}
}

// TestCopyStrip48: CopyStrip48 copies kc rows of 48 values at row stride
// ldb into a packed strip, exactly, and writes nothing past it.
func TestCopyStrip48(t *testing.T) {
	if AVX512.CopyStrip48 == nil || !archsimd.X86.AVX512() {
		t.Skip("no CopyStrip48")
	}
	r := rand.New(rand.NewPCG(117, 118))
	for _, kc := range []int{1, 2, 129, 256} {
		for _, ldb := range []int{48, 49, 196, 3136} {
			src := randMat(r, (kc-1)*ldb+48)
			dst := make([]float32, kc*48+16)
			for i := range dst {
				dst[i] = -7
			}
			AVX512.CopyStrip48(dst, src, ldb, kc, kc%2 == 0)
			for p := 0; p < kc; p++ {
				for j := 0; j < 48; j++ {
					if math.Float32bits(dst[p*48+j]) != math.Float32bits(src[p*ldb+j]) {
						t.Fatalf("kc=%d ldb=%d: dst[%d][%d] = %v, src %v", kc, ldb, p, j, dst[p*48+j], src[p*ldb+j])
					}
				}
			}
			for i := kc * 48; i < len(dst); i++ {
				if dst[i] != -7 {
					t.Fatalf("kc=%d ldb=%d: dst[%d] written past the strip", kc, ldb, i)
				}
			}
		}
	}
}

// productShape is an m x n x k product.
type productShape struct{ m, n, k int }

// sameBitsAsPlain checks that kern's packed products (int8 prepacked A)
// give, on one worker and on 2 (column strips), the bits of plain: kern
// without TilePair, TileTriple, Edge4 and Tile48, every tile through Fn
// and the generic store. Each shape runs with bias, residual and ReLU,
// with bias and ReLU, and with no epilogue; what names the tile under
// test in the messages. more, if not nil, then checks other forms of the
// same product.
func sameBitsAsPlain(t *testing.T, r *rand.Rand, kern Kernel, what string, shapes []productShape, more func(aq Matrix, bm []float32, ep Epilogue, ei, m, n, k int)) {
	t.Helper()
	plain := kern
	plain.TilePair, plain.TileTriple, plain.Edge4, plain.Tile48 = nil, nil, nil, nil
	for _, sh := range shapes {
		m, n, k := sh.m, sh.n, sh.k
		aq, _ := quantize(r, m, k, false)
		bm := randMat(r, k*n)
		for ei, ep := range []Epilogue{{RowBias: randMat(r, m), Add: randMat(r, m*n), Relu: true}, {RowBias: randMat(r, m), Relu: true}, {}} {
			want := prepackedProduct(TilesFor(plain), aq, bm, ep, m, n, k)
			got := prepackedProduct(TilesFor(kern), aq, bm, ep, m, n, k)
			if i := firstBitDiff(got, want); i >= 0 {
				t.Fatalf("%s %dx%dx%d epilogue %d: C[%d][%d] = %v with %s, %v without", kern.Name, m, n, k, ei, i/n, i%n, got[i], what, want[i])
			}
			tl := TilesFor(kern)
			a := aq.WithPacked(PackInt8A(tl, aq.Q, aq.Scales, k, m, k))
			ParallelMatrix(tl, ep, 2, false, false, m, n, k, 1, a, Float(bm, n), 0, got, n)
			if i := firstBitDiff(got, want); i >= 0 {
				t.Fatalf("%s %dx%dx%d epilogue %d, 2 workers: C[%d][%d] = %v with %s, %v without", kern.Name, m, n, k, ei, i/n, i%n, got[i], what, want[i])
			}
			if more != nil {
				more(aq, bm, ep, ei, m, n, k)
			}
		}
	}
}
