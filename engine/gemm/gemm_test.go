package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randMat returns rows*ld random values in [-1, 1).
func randMat(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// prepackedProduct runs the m x n x k product of the int8 A aq (prepacked
// for tl) and B on one worker with epilogue ep, as conv layers do.
func prepackedProduct(tl Tiles, aq Matrix, bm []float32, ep Epilogue, m, n, k int) []float32 {
	a := aq.WithPacked(PackInt8A(tl, aq.Q, aq.Scales, k, m, k))
	c := make([]float32, m*n)
	ParallelMatrix(tl, ep, 1, false, false, m, n, k, 1, a, Float(bm, n), 0, c, n)
	return c
}

// firstBitDiff returns the first index where got and want differ in bits,
// or -1.
func firstBitDiff(got, want []float32) int {
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra columns in each leading dimension
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d", c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, c.pad)
}

// operands builds A, B and C with leading dimensions padded by c.pad.
func (c gemmCase) operands(r *rand.Rand) (a []float32, lda int, b []float32, ldb int, cm []float32, ldc int) {
	ar, ac := c.m, c.k
	if c.transA {
		ar, ac = c.k, c.m
	}
	br, bc := c.k, c.n
	if c.transB {
		br, bc = c.n, c.k
	}
	lda, ldb, ldc = ac+c.pad, bc+c.pad, c.n+c.pad
	return randMat(r, ar*lda), lda, randMat(r, br*ldb), ldb, randMat(r, c.m*ldc), ldc
}

func randomCases(r *rand.Rand, count int) []gemmCase {
	var cs []gemmCase
	dims := []int{1, 2, 3, 4, 5, 7, 8, 13, 31, 64, 65, 100, 257, 300}
	for i := 0; i < count; i++ {
		c := gemmCase{
			transA: r.IntN(2) == 1, transB: r.IntN(2) == 1,
			m: dims[r.IntN(len(dims))], n: dims[r.IntN(len(dims))], k: dims[r.IntN(len(dims))],
			alpha: []float32{1, 0.5, -2}[r.IntN(3)], beta: []float32{0, 1, 0.25}[r.IntN(3)],
			pad: r.IntN(3),
		}
		cs = append(cs, c)
	}
	// Shapes that cross the tile sizes of DefaultTiles (KC 256, MC 64, NC 1024).
	cs = append(cs, gemmCase{m: 70, n: 1030, k: 600, alpha: 1}, gemmCase{m: 1, n: 1001, k: 700, alpha: 1, beta: 1, transB: true},
		gemmCase{m: 129, n: 3, k: 513, alpha: 1, transA: true})
	return cs
}

// TestBlockedMatchesNaive checks every micro-kernel through the packed path
// (default and tiny tiles) and Parallel against the reference on random
// shapes, transposes, strides, alpha and beta. The sums are ordered
// differently, so the tolerance scales with k.
func TestBlockedMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kern := range Kernels() {
		def := DefaultTiles
		def.Kernel = kern
		tiny := Tiles{Kernel: kern, KC: 5, MC: 1, NC: 3}
		for _, c := range randomCases(r, 60) {
			a, lda, b, ldb, c0, ldc := c.operands(r)
			want := append([]float32(nil), c0...)
			Naive(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
			if err := CheckSizes(c.transA, c.transB, c.m, c.n, c.k, a, lda, b, ldb, want, ldc); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			for _, run := range []struct {
				name string
				f    func(cm []float32)
			}{
				{"Blocked", func(cm []float32) {
					Blocked(def, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc)
				}},
				{"Parallel3", func(cm []float32) {
					ParallelTiles(def, 3, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc)
				}},
				{"TinyTiles", func(cm []float32) {
					Blocked(tiny, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc)
				}},
			} {
				got := append([]float32(nil), c0...)
				run.f(got)
				tol := 1e-5 * float64(c.k+1) * 4
				for i := 0; i < c.m; i++ {
					for j := 0; j < ldc; j++ {
						g, w := got[i*ldc+j], want[i*ldc+j]
						if j >= c.n {
							if g != c0[i*ldc+j] {
								t.Fatalf("%s %s %v: wrote outside C at (%d,%d)", kern.Name, run.name, c, i, j)
							}
							continue
						}
						if math.Abs(float64(g-w)) > tol {
							t.Fatalf("%s %s %v: C[%d,%d] = %v, naive %v", kern.Name, run.name, c, i, j, g, w)
						}
					}
				}
			}
		}
	}
}

// TestParallelBitIdentical checks, for every micro-kernel, that any number
// of workers gives exactly the bits of one worker: the split is over output
// tiles only.
func TestParallelBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := append(randomCases(r, 20),
		gemmCase{m: 5, n: 4, k: 300, alpha: 1},                            // row split leaves a 1-row strip (gemv path)
		gemmCase{m: 64, n: 3136, k: 576, alpha: 1},                        // the 3x3 conv benchmark's shape
		gemmCase{m: 1, n: 4096, k: 2304, alpha: 1, beta: 1, transB: true}, // a fully connected layer at batch 1
		gemmCase{m: 260, n: 196, k: 1024, alpha: 1},                       // row split in strips of minRowStrip rows, a 4-row tail
		gemmCase{m: 1024, n: 49, k: 256, alpha: 1},                        // row split, 8 granules of minRowStrip rows
	)
	for _, kern := range Kernels() {
		tiles := DefaultTiles
		tiles.Kernel = kern
		for _, c := range cases {
			a, lda, b, ldb, c0, ldc := c.operands(r)
			one := append([]float32(nil), c0...)
			ParallelTiles(tiles, 1, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, one, ldc)
			for _, w := range []int{2, 3, 7} {
				got := append([]float32(nil), c0...)
				ParallelTiles(tiles, w, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(one[i]) {
						t.Fatalf("%s %v, %d workers: element %d = %v, 1 worker %v", kern.Name, c, w, i, got[i], one[i])
					}
				}
			}
		}
	}
}

// TestBetaZeroIgnoresC: with beta 0, NaNs in C must not leak into the result.
func TestBetaZeroIgnoresC(t *testing.T) {
	a := []float32{1, 2, 3, 4} // (2, 2)
	b := []float32{5, 6, 7, 8} // (2, 2)
	nan := float32(math.NaN())
	for _, f := range []func(c []float32){
		func(c []float32) { Naive(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2) },
		func(c []float32) { Blocked(DefaultTiles, false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2) },
		func(c []float32) { Blocked(DefaultTiles, false, false, 1, 2, 2, 1, a, 2, b, 2, 0, c, 2) },
	} {
		c := []float32{nan, nan, nan, nan}
		f(c)
		want := []float32{19, 22, 43, 50}
		if c[0] != want[0] || c[1] != want[1] {
			t.Fatalf("got %v, want %v", c, want)
		}
	}
}

func TestCheckSizes(t *testing.T) {
	a := make([]float32, 6)
	if err := CheckSizes(false, false, 2, 2, 3, a, 3, a, 2, a, 2); err != nil {
		t.Fatal(err)
	}
	if err := CheckSizes(false, false, 3, 2, 3, a, 3, a, 2, a, 2); err == nil {
		t.Fatal("short A accepted")
	}
	if err := CheckSizes(false, false, 2, 2, 3, a, 2, a, 2, a, 2); err == nil {
		t.Fatal("lda < k accepted")
	}
}

// BenchmarkGemm measures each micro-kernel, one worker, on the 3x3 conv's
// GEMM shape.
func BenchmarkGemm(b *testing.B) {
	m, n, k := 64, 3136, 576
	r := rand.New(rand.NewPCG(5, 6))
	A, B, C := randMat(r, m*k), randMat(r, k*n), make([]float32, m*n)
	for _, kern := range Kernels() {
		b.Run(kern.Name, func(b *testing.B) {
			tiles := DefaultTiles
			tiles.Kernel = kern
			// Untimed warm-up (see BenchmarkConv3x3 in package engine).
			ParallelTiles(tiles, 1, false, false, m, n, k, 1, A, k, B, n, 0, C, n)
			b.ResetTimer()
			for b.Loop() {
				ParallelTiles(tiles, 1, false, false, m, n, k, 1, A, k, B, n, 0, C, n)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestEpilogueFused: ParallelEpilogue gives exactly the bits of the same
// product followed by a separate bias + ReLU pass, for every kernel, worker
// count and path (packed, row strips, gemv, k == 0).
func TestEpilogueFused(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	cases := append(randomCases(r, 30), gemmCase{m: 5, n: 4, k: 300, alpha: 1}, gemmCase{m: 3, n: 7, k: 0, alpha: 1, beta: 0.5},
		gemmCase{m: 300, n: 20, k: 70, alpha: 1})
	for _, kern := range Kernels() {
		tiles := TilesFor(kern)
		tiles.KC = 64 // several KC slices: the epilogue must run after the last only
		for _, c := range cases {
			a, lda, b, ldb, c0, ldc := c.operands(r)
			bias := randMat(r, c.m)
			for _, relu := range []bool{false, true} {
				want := append([]float32(nil), c0...)
				ParallelTiles(tiles, 1, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
				for i := 0; i < c.m; i++ {
					for j := 0; j < c.n; j++ {
						v := want[i*ldc+j] + bias[i]
						if relu && v < 0 {
							v = 0
						}
						want[i*ldc+j] = v
					}
				}
				for _, w := range []int{1, 3} {
					got := append([]float32(nil), c0...)
					ParallelEpilogue(tiles, Epilogue{RowBias: bias, Relu: relu}, w, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s %v relu=%v workers=%d: element %d = %v, separate pass %v", kern.Name, c, relu, w, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestEdgeKernels: every kernel's Edge (where it has one) gives, for each
// width 1 .. NR-1, exactly Fn's bits in the columns it is asked for, on
// slivers with NaN, infinities and signed zeros among the values; the
// packed path's partial slivers (TestBlockedMatchesNaive's shapes) go
// through it.
func TestEdgeKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	tested := 0
	for _, kern := range Kernels() {
		if kern.Edge == nil {
			continue
		}
		tested++
		mr, nr := kern.MR, kern.NR
		for _, kc := range []int{1, 7, 256} {
			a, b := randMat(r, kc*mr), randMat(r, kc*nr)
			for i := 0; i < 3; i++ {
				a[r.IntN(len(a))] = special[r.IntN(len(special))]
				b[r.IntN(len(b))] = special[r.IntN(len(special))]
			}
			want := make([]float32, mr*nr)
			kern.Fn(kc, a, b, want)
			for cols := 1; cols < nr; cols++ {
				got := make([]float32, mr*nr)
				kern.Edge(kc, a, b, got, cols)
				for i := 0; i < mr; i++ {
					for j := 0; j < cols; j++ {
						g, w := got[i*nr+j], want[i*nr+j]
						if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
							t.Fatalf("%s kc=%d cols=%d: acc[%d][%d] = %v, Fn %v", kern.Name, kc, cols, i, j, g, w)
						}
					}
				}
			}
		}
	}
	t.Logf("%d kernels with Edge", tested)
}
