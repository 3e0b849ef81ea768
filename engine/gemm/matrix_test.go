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
					for _, w := range []int{1, 3} {
						got := append([]float32(nil), c0...)
						ParallelMatrix(tiles, ep, w, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, b, c.beta, got, ldc)
						for i := range got {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s, %d workers: element %d = %v, float32 weights %v", name, w, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
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
