package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"convscope/engine/internal/vec"
)

// TestEpilogueAdd: a product with Epilogue.Add gives exactly the bits of
// the product with the bias alone followed by separate Add and ReLU passes,
// for every kernel (full tiles through StoreTile, partial ones through
// apply), worker count and path (packed over several KC slices, row and
// column strips, gemv, k == 0), with C's rows padded.
func TestEpilogueAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(93, 94))
	cases := append(randomCases(r, 30), gemmCase{m: 5, n: 4, k: 300, alpha: 1}, gemmCase{m: 3, n: 7, k: 0, alpha: 1},
		gemmCase{m: 300, n: 20, k: 70, alpha: 1}, gemmCase{m: 64, n: 3136, k: 64, alpha: 1, pad: 2}, gemmCase{m: 1, n: 40, k: 33, alpha: 1})
	for _, kern := range Kernels() {
		tiles := TilesFor(kern)
		tiles.KC = 64 // several KC slices: the epilogue must run after the last only
		for _, c := range cases {
			a, lda, b, ldb, c0, ldc := c.operands(r)
			bias, res := randMat(r, c.m), randMat(r, len(c0))
			for _, relu := range []bool{false, true} {
				want := append([]float32(nil), c0...)
				ParallelEpilogue(tiles, Epilogue{RowBias: bias}, 1, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
				for i := 0; i < c.m; i++ {
					vec.Generic.AddRelu(want[i*ldc:i*ldc+c.n], res[i*ldc:], relu)
				}
				for _, w := range []int{1, 3} {
					got := append([]float32(nil), c0...)
					ParallelEpilogue(tiles, Epilogue{RowBias: bias, Add: res, Relu: relu}, w, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s %v relu=%v workers=%d: element %d = %v, separate passes %v", kern.Name, c, relu, w, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
