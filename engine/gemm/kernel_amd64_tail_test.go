//go:build amd64 && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAMD64KernelsSliverCapacity: a kernel given an A sliver with capacity
// past its end (a packed block's next sliver, which the AVX-512 kernel's
// last steps load from) gives the bits of the same sliver with none, at
// depths that leave every tail length.
func TestAMD64KernelsSliverCapacity(t *testing.T) {
	r := rand.New(rand.NewPCG(95, 96))
	for _, kern := range Kernels()[1:] {
		mr, nr := kern.MR, kern.NR
		for _, kc := range []int{1, 2, 3, 4, 5, 6, 7, 8, 253, 254, 255, 256} {
			block := randMat(r, kc*mr+64)
			b := randMat(r, kc*nr)
			exact := append([]float32(nil), block[:kc*mr]...)
			want, got := make([]float32, mr*nr), make([]float32, mr*nr)
			kern.Fn(kc, exact, b, want)
			kern.Fn(kc, block[:kc*mr], b, got)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s kc=%d: acc[%d] = %v with capacity past the sliver, %v without", kern.Name, kc, i, got[i], want[i])
				}
			}
		}
	}
}
