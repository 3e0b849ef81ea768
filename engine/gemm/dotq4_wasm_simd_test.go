//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotQAsm: SIMD128's DotQ and DotQ4 in assembly (dotq4_wasm_simd.s)
// against dotQSIMD128 and dotQ4SIMD128 in Go, on lengths with no block of
// 16, one, several, and tails of every size, with NaN, infinities and
// signed zeros among x. The plain build gives the Go functions' bits. In
// the relaxed-SIMD build the assembly's loop fuses its multiply-adds, the
// Go functions do not: there the sums agree within sameOrFMA's tolerance,
// taken on the sums divided by 128 (exact): the products of x in [-1, 1]
// and q/128 in [-1, 1), whose sum over n values sameOrFMA bounds.
func TestDotQAsm(t *testing.T) {
	r := rand.New(rand.NewPCG(97, 98))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	differ := 0 // sums whose bits differ (relaxed-SIMD build only)
	same := func(g, w float32, n int) bool {
		if !sameBits(g, w) {
			differ++
		}
		return sameOrFMA(g/128, w/128, n)
	}
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 47, 63, 64, 100, 1023, 4096, 4099, 9216} {
		for trial := 0; trial < 3; trial++ {
			x := randMat(r, n)
			for i := 0; i < trial && n > 0; i++ {
				x[r.IntN(n)] = special[r.IntN(len(special))]
			}
			var q [4][]int8
			for i := range q {
				q[i] = make([]int8, n+i)
				for j := range q[i] {
					q[i][j] = int8(r.IntN(256) - 128)
				}
			}
			got4 := SIMD128.DotQ4(x, q[0], q[1], q[2], q[3])
			want4 := dotQ4SIMD128(x, q[0], q[1], q[2], q[3])
			for i := range q {
				if !same(got4[i], want4[i], n) {
					t.Fatalf("n=%d trial %d: DotQ4 row %d = %v, Go %v", n, trial, i, got4[i], want4[i])
				}
				got, want := SIMD128.DotQ(x, q[i]), dotQSIMD128(x, q[i])
				if !same(got, want, n) {
					t.Fatalf("n=%d trial %d: DotQ row %d = %v, Go %v", n, trial, i, got, want)
				}
			}
		}
	}
	t.Logf("%d sums differ from Go's in bits (relaxed SIMD: FMA)", differ)
}
