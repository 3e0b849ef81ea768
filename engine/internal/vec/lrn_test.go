package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLRNLoops: SquaresAdd and LRNScale (vector loops in WebAssembly)
// give the bits of the scalar float64 formulas LRN used, for lengths with
// and without a tail, zeros, tiny and huge values.
func TestLRNLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, n := range []int{1, 2, 3, 7, 8, 169, 729} {
		x := make([]float32, n)
		for i := range x {
			switch i % 7 {
			case 0:
				x[i] = 0
			case 1:
				x[i] = float32(r.NormFloat64() * 1e-20)
			case 2:
				x[i] = float32(r.NormFloat64() * 1e18)
			default:
				x[i] = float32(r.NormFloat64() * 3)
			}
		}
		sum := make([]float64, n)
		want := make([]float64, n)
		for i := range sum {
			sum[i] = r.Float64()
			want[i] = sum[i] + float64(x[i])*float64(x[i])
		}
		SquaresAdd(sum, x)
		for i := range sum {
			if math.Float64bits(sum[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n %d: SquaresAdd sum[%d] = %v, want %v", n, i, sum[i], want[i])
			}
		}
		for _, bk := range [][2]float64{{2, 1e-4 / 5}, {1, 1e-4 / 5}, {0, 1}, {1, 0}} {
			dst := make([]float32, n)
			LRNScale(dst, x, sum, bk[0], bk[1])
			for i, v := range x {
				b := math.Sqrt(bk[0] + bk[1]*sum[i])
				w := float32(float64(v) / (b * math.Sqrt(b)))
				if math.Float32bits(dst[i]) != math.Float32bits(w) && !(w != w && dst[i] != dst[i]) {
					t.Fatalf("n %d bias %v k %v: LRNScale dst[%d] = %v, want %v", n, bk[0], bk[1], i, dst[i], w)
				}
			}
		}
	}
}
