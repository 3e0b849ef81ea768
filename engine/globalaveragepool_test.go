package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGlobalAveragePool(t *testing.T) {
	x := tensor(t, []int{1, 2, 2, 2}, 1, 2, 3, 4, -1, -1, 5, 5)
	out := runOp(t, OpGlobalAveragePool, nil, 1, x)
	wantTensor(t, out[0], []int{1, 2, 1, 1}, []float32{2.5, 2}, 0)
	if compileErr(OpGlobalAveragePool, nil, tensor(t, []int{2, 3})) == nil {
		t.Fatal("2-D input accepted")
	}
}

// TestGlobalAveragePoolBits: the mean of every map has the bits of one
// float64 sum in the map's order (maps taken four at a time and the rest
// one by one), for 1 to 9 maps of 1 to 70 values spanning wide exponents
// (where the order of the adds shows), batches of 1 and 2.
func TestGlobalAveragePoolBits(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	for _, n := range []int{1, 2} {
		for c := 1; c <= 9; c++ {
			for _, hw := range [][2]int{{1, 1}, {8, 8}, {7, 10}, {3, 1}} {
				x := randTensor(r, n, c, hw[0], hw[1])
				for i := range x.Data {
					x.Data[i] *= float32(math.Pow(10, float64(r.IntN(24)-12)))
				}
				out := runOp(t, OpGlobalAveragePool, nil, 1, x)
				size := hw[0] * hw[1]
				for m := 0; m < n*c; m++ {
					var sum float64
					for _, v := range x.Data[m*size : (m+1)*size] {
						sum += float64(v)
					}
					want := float32(sum / float64(size))
					if got := out[0].Data[m]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("n %d c %d %v: map %d mean %v, want %v", n, c, hw, m, got, want)
					}
				}
			}
		}
	}
}
