package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// quantize returns an int8 matrix of rows x ld values with one random scale
// per row (per column with scaleCols), and its float32 dequantization made
// the way a model loader would make it.
func quantize(r *rand.Rand, rows, ld int, scaleCols bool) (Matrix, []float32) {
	q := make([]int8, rows*ld)
	for i := range q {
		q[i] = int8(r.IntN(255) - 127)
	}
	scales := make([]float32, rows)
	if scaleCols {
		scales = make([]float32, ld)
	}
	for i := range scales {
		scales[i] = r.Float32() / 64
	}
	f := make([]float32, len(q))
	for i, v := range q {
		var s float32
		if scaleCols {
			s = scales[i%ld]
		} else {
			s = scales[i/ld]
		}
		f[i] = float32(v) * s
	}
	return Int8(q, scales, scaleCols, ld), f
}

// TestInt8MatchesFloat: a product with an int8 operand (A, B or both, scales
// per row or per column, every transpose) gives exactly the bits of the same
// product on the dequantized float32 values, for every kernel, worker count
// and path (packed, row strips, gemv), with the epilogue.
func TestInt8MatchesFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	cases := append(randomCases(r, 40),
		gemmCase{m: 64, n: 300, k: 576, alpha: 1},                          // a conv: weights as A
		gemmCase{m: 1, n: 1001, k: 700, alpha: 1, beta: 1, transB: true},   // fc at batch 1 (gemv)
		gemmCase{m: 1, n: 300, k: 70, alpha: 1},                            // gemv without transB
		gemmCase{m: 3, n: 1030, k: 300, alpha: 1, beta: 1, transB: true},   // fc at batch 3 (packed B)
		gemmCase{m: 300, n: 20, k: 70, alpha: 1},                           // row strips
		gemmCase{m: 1, n: 20, k: 70, alpha: 1, transA: true, transB: true}, // gemv with a strided A
	)
	for _, kern := range Kernels() {
		tiles := TilesFor(kern)
		tiles.KC = 64 // several KC slices
		for _, c := range cases {
			_, _, _, _, c0, ldc := c.operands(r)
			ar, ac := c.m, c.k
			if c.transA {
				ar, ac = c.k, c.m
			}
			br, bc := c.k, c.n
			if c.transB {
				br, bc = c.n, c.k
			}
			bias := randMat(r, c.m)
			for _, which := range []string{"A", "B", "AB"} {
				for _, cols := range []bool{false, true} {
					name := fmt.Sprintf("%s %v int8 %s scaleCols=%v", kern.Name, c, which, cols)
					a, af := Float(randMat(r, ar*(ac+c.pad)), ac+c.pad), []float32(nil)
					af = a.F
					b, bf := Float(randMat(r, br*(bc+c.pad)), bc+c.pad), []float32(nil)
					bf = b.F
					if which != "B" {
						a, af = quantize(r, ar, ac+c.pad, cols)
					}
					if which != "A" {
						b, bf = quantize(r, br, bc+c.pad, cols)
					}
					if err := CheckMatrices(c.transA, c.transB, c.m, c.n, c.k, a, b, c0, ldc); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					ep := Epilogue{RowBias: bias, Relu: true}
					want := append([]float32(nil), c0...)
					ParallelEpilogue(tiles, ep, 1, c.transA, c.transB, c.m, c.n, c.k, c.alpha, af, a.LD, bf, b.LD, c.beta, want, ldc)
					// The one inexact case: batch-1 fc weights, (out, in)
					// with a scale per row, take DotQ, which applies the
					// scale to the sum (see gemv).
					dotQPath := c.m == 1 && c.transB && which != "A" && !cols
					var one []float32
					for _, w := range []int{1, 3} {
						got := append([]float32(nil), c0...)
						ParallelMatrix(tiles, ep, w, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, b, c.beta, got, ldc)
						if one == nil {
							one = got
						}
						for i := range got {
							if math.Float32bits(got[i]) != math.Float32bits(one[i]) {
								t.Fatalf("%s, %d workers: element %d = %v, 1 worker %v", name, w, i, got[i], one[i])
							}
							if dotQPath {
								continue
							}
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s, %d workers: element %d = %v, float32 weights %v", name, w, i, got[i], want[i])
							}
						}
					}
					if dotQPath {
						checkDotQRounding(t, name, c, af, a.LD, bf, b.LD, bias, c0, ldc, one, want)
					}
				}
			}
		}
	}
}

// checkDotQRounding checks a batch-1 product with int8 fc weights (row
// scales applied to the sum) against the one of the dequantized weights
// (scales applied to each term): both are within float32 summation error of
// the exact value, so they may differ by at most (k+4) * 2^-22 times the sum
// of the terms' magnitudes (plus those of the bias and beta*C), a bound a
// missing or misplaced scale breaks by orders of magnitude.
func checkDotQRounding(t *testing.T, name string, c gemmCase, af []float32, lda int, bf []float32, ldb int, bias, c0 []float32, ldc int, got, want []float32) {
	t.Helper()
	for j := 0; j < c.n; j++ {
		var mag float64
		for p := 0; p < c.k; p++ {
			av := af[p] // m == 1: row 0 of A, or column 0 when transA
			if c.transA {
				av = af[p*lda]
			}
			mag += math.Abs(float64(av) * float64(bf[j*ldb+p]))
		}
		mag = math.Abs(float64(c.alpha))*mag + math.Abs(float64(c.beta)*float64(c0[j])) + math.Abs(float64(bias[0]))
		tol := float64(c.k+4) * math.Ldexp(1, -22) * mag
		if d := math.Abs(float64(got[j]) - float64(want[j])); d > tol {
			t.Fatalf("%s: element %d = %v, float32 weights %v: differs by %g > %g", name, j, got[j], want[j], d, tol)
		}
	}
}

// TestDotQ: every kernel's DotQ is within float32 summation error of the
// exact dot product, for lengths around its vector widths and unroll.
func TestDotQ(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, kern := range Kernels() {
		for _, n := range []int{0, 1, 3, 4, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 129, 4099} {
			x := randMat(r, n)
			q := make([]int8, n+5) // longer than x: DotQ reads len(x) values
			for i := range q {
				q[i] = int8(r.IntN(256) - 128)
			}
			var exact, mag float64
			for p := range x {
				exact += float64(x[p]) * float64(q[p])
				mag += math.Abs(float64(x[p]) * float64(q[p]))
			}
			got := kern.DotQ(x, q)
			if d := math.Abs(float64(got) - exact); d > float64(n+1)*math.Ldexp(1, -24)*mag {
				t.Fatalf("%s n=%d: DotQ = %v, exact %v", kern.Name, n, got, exact)
			}
		}
	}
}

// TestDotQ4: every kernel's DotQ4 (where it has one) gives, for each of its
// four rows, exactly the bits of DotQ on that row, with special values
// (NaN, infinities, signed zeros) in x.
func TestDotQ4(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	tested := 0
	for _, kern := range Kernels() {
		if kern.DotQ4 == nil {
			continue
		}
		tested++
		for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 4099} {
			for _, withSpecial := range []bool{false, true} {
				x := randMat(r, n)
				if withSpecial && n > 0 {
					x[r.IntN(n)] = special[r.IntN(len(special))]
				}
				var q [4][]int8
				for i := range q {
					q[i] = make([]int8, n+i) // longer than x: DotQ4 reads len(x) values
					for j := range q[i] {
						q[i][j] = int8(r.IntN(256) - 128)
					}
				}
				got := kern.DotQ4(x, q[0], q[1], q[2], q[3])
				for i := range q {
					if want := kern.DotQ(x, q[i]); !sameBits(got[i], want) {
						t.Fatalf("%s n=%d: DotQ4 row %d = %v, DotQ %v", kern.Name, n, i, got[i], want)
					}
				}
			}
		}
	}
	t.Logf("%d kernels with DotQ4", tested)
}

// sameBits: equal bits, or both NaN.
func sameBits(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func TestCheckMatricesInt8(t *testing.T) {
	q := make([]int8, 6)
	f := make([]float32, 6)
	if err := CheckMatrices(false, false, 2, 2, 3, Int8(q, make([]float32, 2), false, 3), Float(f, 2), f, 2); err != nil {
		t.Fatal(err)
	}
	if err := CheckMatrices(false, false, 2, 2, 3, Int8(q, make([]float32, 1), false, 3), Float(f, 2), f, 2); err == nil {
		t.Fatal("one scale for two rows accepted")
	}
	if err := CheckMatrices(false, false, 2, 2, 3, Int8(q, make([]float32, 2), true, 3), Float(f, 2), f, 2); err == nil {
		t.Fatal("two scales for three columns accepted")
	}
	if err := CheckMatrices(false, false, 3, 2, 3, Int8(q, make([]float32, 3), false, 3), Float(f, 2), f, 2); err == nil {
		t.Fatal("short int8 A accepted")
	}
}

// BenchmarkGemvInt8 compares float32 and int8 weights in a fully connected
// layer at batch 1 (VGG16's classifier.3: 4096 x 4096), one worker.
func BenchmarkGemvInt8(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	n, k := 4096, 4096
	x := randMat(r, k)
	wq, wf := quantize(r, n, k, false)
	y := make([]float32, n)
	for _, c := range []struct {
		name string
		w    Matrix
	}{{"float32", Float(wf, k)}, {"int8", wq}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				ParallelMatrix(DefaultTiles, Epilogue{}, 1, false, true, 1, n, k, 1, Float(x, k), c.w, 0, y, n)
			}
		})
	}
}
