package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestPrepackedA: for every kernel, the A blocks packed from a PackedA are
// exactly those packA makes from the plain int8 matrix (every MC x KC block,
// rows not a multiple of MR, a partial last KC slice, row strips), and whole
// products with a prepacked A have exactly the bits of the plain int8 ones,
// for 1 and 3 workers, with the epilogue.
func TestPrepackedA(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, kern := range Kernels() {
		tiles := TilesFor(kern)
		tiles.KC, tiles.MC = 64, 8 // several KC slices and MC blocks
		for _, c := range []struct{ m, n, k, pad int }{
			{1, 5, 3, 0}, {4, 40, 64, 0}, {7, 33, 65, 2}, {64, 300, 200, 1}, {30, 4, 130, 0}, {13, 70, 27, 3},
		} {
			name := fmt.Sprintf("%s m=%d n=%d k=%d", kern.Name, c.m, c.n, c.k)
			a, _ := quantize(r, c.m, c.k+c.pad, false)
			pa := PackInt8A(tiles, a.Q, a.Scales, a.LD, c.m, c.k)
			mr, kcMax, mcMax := kern.MR, tiles.KC, roundUp(tiles.MC, kern.MR)
			want := make([]float32, mcMax*kcMax)
			got := make([]float32, mcMax*kcMax)
			for _, row0 := range []int{0, roundUp(c.m/2, mr)} { // a row strip starting at row0
				if row0 >= c.m {
					continue
				}
				sub := a.WithPacked(pa).Sub(row0, 0)
				if sub.Packed == nil {
					t.Fatalf("%s: Sub(%d, 0) dropped the prepacked layout", name, row0)
				}
				m := c.m - row0
				for p0 := 0; p0 < c.k; p0 += kcMax {
					kc := min(kcMax, c.k-p0)
					for i0 := 0; i0 < m; i0 += mcMax {
						mc := min(mcMax, m-i0)
						for i := range want {
							want[i], got[i] = float32(math.NaN()), float32(math.NaN())
						}
						packA(want, mr, false, sub, i0, p0, mc, kc)
						packAPrepacked(got, kern.Dequant, pa, sub.PackedRow, i0, p0, mc, kc)
						n := roundUp(mc, mr) * kc
						if i := diffBits(got[:n], want[:n]); i >= 0 {
							t.Fatalf("%s row0=%d block (%d, %d): value %d = %v, packA %v", name, row0, i0, p0, i, got[i], want[i])
						}
					}
				}
			}
			b := Float(randMat(r, c.k*c.n), c.n)
			ep := Epilogue{RowBias: randMat(r, c.m), Relu: true}
			plain := make([]float32, c.m*c.n)
			ParallelMatrix(tiles, ep, 1, false, false, c.m, c.n, c.k, 1, a, b, 0, plain, c.n)
			for _, w := range []int{1, 3} {
				out := make([]float32, c.m*c.n)
				ParallelMatrix(tiles, ep, w, false, false, c.m, c.n, c.k, 1, a.WithPacked(pa), b, 0, out, c.n)
				if i := diffBits(out, plain); i >= 0 {
					t.Fatalf("%s workers=%d: C[%d] = %v prepacked, %v plain", name, w, i, out[i], plain[i])
				}
			}
		}
	}
}

// TestDequantKernels: every kernel's Dequant rounds as dequant does, for
// lengths around its vector width.
func TestDequantKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	sc := [4]float32{r.Float32() / 64, r.Float32(), 3, 1.0 / 3}
	for _, kern := range Kernels() {
		for _, n := range []int{0, 4, 12, 16, 20, 32, 36, 100, 1028} {
			q := make([]int8, n)
			for i := range q {
				q[i] = int8(r.IntN(256) - 128)
			}
			got := make([]float32, n)
			kern.Dequant(got, q, &sc)
			for i, v := range q {
				if want := dequant(v, sc[i%4]); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("%s n=%d: dst[%d] = %v, dequant %v", kern.Name, n, i, got[i], want)
				}
			}
		}
	}
}

// BenchmarkPackA compares packing the A blocks of a conv's int8 weights
// (ResNet-50's 3x3 512-channel conv: 512 x 4608) value by value and from
// the prepacked layout, with the default kernel.
func BenchmarkPackA(b *testing.B) {
	r := rand.New(rand.NewPCG(65, 66))
	m, k := 512, 4608
	a, _ := quantize(r, m, k, false)
	t := DefaultTiles
	pa := PackInt8A(t, a.Q, a.Scales, k, m, k)
	kern := t.Kernel
	deq := kern.Dequant
	buf := make([]float32, roundUp(t.MC, kern.MR)*t.KC)
	for _, prepacked := range []bool{false, true} {
		b.Run(fmt.Sprintf("prepacked=%v", prepacked), func(b *testing.B) {
			for b.Loop() {
				for p0 := 0; p0 < k; p0 += t.KC {
					kc := min(t.KC, k-p0)
					for i0 := 0; i0 < m; i0 += t.MC {
						mc := min(t.MC, m-i0)
						if prepacked {
							packAPrepacked(buf, deq, pa, 0, i0, p0, mc, kc)
						} else {
							packA(buf, kern.MR, false, a, i0, p0, mc, kc)
						}
					}
				}
			}
			b.ReportMetric(float64(m*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
		})
	}
}

// TestStoreTile: every kernel's StoreTile (and StoreTileAdd, with a
// residual) gives the bits of store followed by Epilogue.apply, on first,
// middle and last KC slices, with and without bias and ReLU, on values
// that include NaN, signed zeros and infinities.
func TestStoreTile(t *testing.T) {
	r := rand.New(rand.NewPCG(67, 68))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	val := func() float32 {
		if r.IntN(8) == 0 {
			return special[r.IntN(len(special))]
		}
		return r.Float32()*2 - 1
	}
	for _, kern := range Kernels() {
		if kern.StoreTile == nil {
			continue
		}
		mr, nr, ldc := kern.MR, kern.NR, kern.NR+3
		for trial := 0; trial < 50; trial++ {
			acc := make([]float32, mr*nr)
			c0 := make([]float32, mr*ldc)
			bias := make([]float32, mr)
			for _, s := range [][]float32{acc, c0, bias} {
				for i := range s {
					s[i] = val()
				}
			}
			first, last, relu := trial%3 == 0, trial%2 == 0, trial%4 < 2
			b := bias
			if trial%5 == 0 {
				b = nil
			}
			want := append([]float32(nil), c0...)
			store(acc, nr, mr, nr, 1, 0, first, want, 0, ldc)
			if last {
				Epilogue{RowBias: b, Relu: relu}.apply(want, 0, mr, nr, ldc, 0)
			}
			got := append([]float32(nil), c0...)
			kern.StoreTile(acc, got, ldc, first, last, b, relu)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("%s first=%v last=%v bias=%v relu=%v: C[%d] = %v, store+apply %v", kern.Name, first, last, b != nil, relu, i, got[i], want[i])
				}
			}
			if kern.StoreTileAdd == nil {
				continue
			}
			// With a residual: the bits of store then apply with Add.
			add := make([]float32, mr*ldc)
			for i := range add {
				add[i] = val()
			}
			want = append(want[:0], c0...)
			store(acc, nr, mr, nr, 1, 0, first, want, 0, ldc)
			if last {
				Epilogue{RowBias: b, Add: add, Relu: relu}.apply(want, 0, mr, nr, ldc, 0)
			}
			got = append(got[:0], c0...)
			kern.StoreTileAdd(acc, got, ldc, first, last, b, add, relu)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("%s StoreTileAdd first=%v last=%v bias=%v relu=%v: C[%d] = %v, store+apply %v", kern.Name, first, last, b != nil, relu, i, got[i], want[i])
				}
			}
		}
	}
}

// TestSharedA: products split by columns over several workers with a
// prepacked A take it dequantized once (sharedA) and have the bits of one
// worker's product (which packs A per block), with bias, residual and
// ReLU; the shapes take the directB path (in place and copied strips,
// directPanels), the packed one (m not a multiple of 8) and a partial last
// KC slice.
func TestSharedA(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	for _, kern := range Kernels() {
		tiles := TilesFor(kern)
		for _, c := range []struct{ m, n, k int }{
			{64, 3136, 64}, {128, 784, 256}, {96, 1000, 300}, {30, 700, 130}, {256, 260, 64},
		} {
			name := fmt.Sprintf("%s m=%d n=%d k=%d", kern.Name, c.m, c.n, c.k)
			a, _ := quantize(r, c.m, c.k, false)
			pa := PackInt8A(tiles, a.Q, a.Scales, a.LD, c.m, c.k)
			ap := a.WithPacked(pa)
			if af := sharedA(tiles, false, c.k, ap); af == nil {
				t.Fatalf("%s: sharedA did not take the prepacked A", name)
			}
			b := Float(randMat(r, c.k*c.n), c.n)
			ep := Epilogue{RowBias: randMat(r, c.m), Add: randMat(r, c.m*c.n), Relu: true}
			one := make([]float32, c.m*c.n)
			ParallelMatrix(tiles, ep, 1, false, false, c.m, c.n, c.k, 1, ap, b, 0, one, c.n)
			for _, w := range []int{2, 3} {
				for rep := 0; rep < 3; rep++ { // the strips depend on the claims' timing
					out := make([]float32, c.m*c.n)
					ParallelMatrix(tiles, ep, w, false, false, c.m, c.n, c.k, 1, ap, b, 0, out, c.n)
					if i := diffBits(out, one); i >= 0 {
						t.Fatalf("%s workers=%d: C[%d] = %v, one worker %v", name, w, i, out[i], one[i])
					}
				}
			}
		}
	}
}

// TestKeepFloat: a prepacked A kept dequantized (KeepFloat) gives the bits
// of the int8 one, at one worker and split over several (by columns, and
// by rows where C is taller than wide), with bias, residual and ReLU;
// shapes with 49 columns (7x7 convs), rows not a multiple of 8, a
// partial last KC slice and several KC slices (Q dropped). Then the kept
// floats are spoiled: the product must read them (it changes).
func TestKeepFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(65, 66))
	for _, kern := range Kernels() {
		tiles := TilesFor(kern)
		for _, c := range []struct{ m, n, k int }{
			{512, 49, 600}, {64, 49, 256}, {70, 49, 300}, {30, 200, 130}, {96, 1000, 64}, {40, 16, 8},
		} {
			name := fmt.Sprintf("%s m=%d n=%d k=%d", kern.Name, c.m, c.n, c.k)
			a, _ := quantize(r, c.m, c.k, false)
			ap := a.WithPacked(PackInt8A(tiles, a.Q, a.Scales, a.LD, c.m, c.k))
			pf := PackInt8A(tiles, a.Q, a.Scales, a.LD, c.m, c.k)
			pf.KeepFloat(tiles)
			if pf.Q != nil {
				t.Fatalf("%s: KeepFloat kept Q", name)
			}
			af := a.WithPacked(pf)
			b := Float(randMat(r, c.k*c.n), c.n)
			ep := Epilogue{RowBias: randMat(r, c.m), Add: randMat(r, c.m*c.n), Relu: true}
			want := make([]float32, c.m*c.n)
			ParallelMatrix(tiles, ep, 1, false, false, c.m, c.n, c.k, 1, ap, b, 0, want, c.n)
			for _, w := range []int{1, 2, 3} {
				for rep := 0; rep < 2; rep++ { // the strips depend on the claims' timing
					out := make([]float32, c.m*c.n)
					ParallelMatrix(tiles, ep, w, false, false, c.m, c.n, c.k, 1, af, b, 0, out, c.n)
					if i := diffBits(out, want); i >= 0 {
						t.Fatalf("%s workers=%d: C[%d] = %v kept floats, %v int8", name, w, i, out[i], want[i])
					}
				}
			}
			for i := range pf.F {
				pf.F[i] = 0
			}
			out := make([]float32, c.m*c.n)
			ParallelMatrix(tiles, Epilogue{}, 1, false, false, c.m, c.n, c.k, 1, af, b, 0, out, c.n)
			for i, v := range out {
				if v != 0 {
					t.Fatalf("%s: C[%d] = %v with the kept floats zeroed: the product did not read them", name, i, v)
				}
			}
		}
	}
}

// diffBits is the first index where got's bits differ from want's, or -1.
func diffBits(got, want []float32) int {
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}
