//go:build (amd64 || wasm) && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"simd/archsimd"
)

// TestSIMDKernelsListed: a SIMD build lists the kernels the CPU supports,
// so the table tests above run them, and DefaultTiles picks the first.
func TestSIMDKernelsListed(t *testing.T) {
	var want []string
	switch runtime.GOARCH {
	case "wasm":
		want = []string{"simd128_4x8", "simd128_4x12", "simd128go_4x8"}
	case "amd64":
		if archsimd.X86.AVX512() {
			want = append(want, "avx512_4x32")
		}
		if archsimd.X86.AVX2() && archsimd.X86.FMA() {
			want = append(want, "avx2fma_4x16")
		}
	}
	ks := Kernels()
	if len(ks) != 1+len(want) || ks[0].Name != Generic.Name {
		t.Fatalf("Kernels() = %v, want generic then %v", names(ks), want)
	}
	for i, w := range want {
		if ks[1+i].Name != w {
			t.Fatalf("Kernels() = %v, want generic then %v", names(ks), want)
		}
	}
	t.Setenv(NoSIMDEnv, "")
	if len(want) > 0 && defaultKernel().Name != want[0] {
		t.Fatalf("default kernel %s, want %s", defaultKernel().Name, want[0])
	}
	t.Setenv(NoSIMDEnv, "1")
	if defaultKernel().Name != Generic.Name {
		t.Fatalf("with %s=1 the default kernel is %s", NoSIMDEnv, defaultKernel().Name)
	}
}

func names(ks []Kernel) []string {
	var s []string
	for _, k := range ks {
		s = append(s, k.Name)
	}
	return s
}

// TestWasmTilesSameBits: in WebAssembly no kernel fuses a multiply-add, and
// each sums every element over p in order, so the 4x8 and 4x12 SIMD tiles
// and the generic one give the same bits for the same KC (the tile shape is
// a speed choice only; in the relaxed-SIMD build SIMD128's assembly rounds
// with FMA: the same within sameOrFMA's tolerance there), here on products
// with edges in every direction
// (n 4 more than a multiple of 8 among them: TileRows4), a bias, ReLU and
// int8 prepacked A, at KC 256 and at the SIMD kernels' own (Kernel.KC).
func TestWasmTilesSameBits(t *testing.T) {
	if runtime.GOARCH != "wasm" {
		t.Skip("amd64's SIMD kernels use FMA: their bits differ from the generic kernel's")
	}
	r := rand.New(rand.NewPCG(91, 92))
	for _, sh := range [][3]int{{64, 169, 600}, {13, 49, 300}, {8, 200, 257}, {5, 7, 3}, {12, 196, 70}, {10, 60, 130}} {
		m, n, k := sh[0], sh[1], sh[2]
		aq, _ := quantize(r, m, k, false)
		bm := randMat(r, k*n)
		ep := Epilogue{RowBias: randMat(r, m), Relu: true}
		for _, kc := range []int{256, TilesFor(Kernels()[len(Kernels())-1]).KC} {
			var want []float32
			for _, kern := range Kernels() {
				tl := TilesFor(kern)
				tl.KC = kc
				got := prepackedProduct(tl, aq, bm, ep, m, n, k)
				if want == nil {
					want = got
					continue
				}
				if i := firstDiffFMA(got, want, k); i >= 0 {
					t.Fatalf("%s KC %d %dx%dx%d: c[%d] = %v, %s gives %v", kern.Name, kc, m, n, k, i, got[i], Kernels()[0].Name, want[i])
				}
			}
		}
	}
}

// TestAMD64KernelsFMAChain: each amd64 SIMD kernel sums every element as
// one chain of fused multiply-adds over p in increasing order from zero
// (math.FMA per step, rounded to float32: the product of two float32 is
// exact in float64, so only rounding a sum that lies exactly between two
// float32 could differ, and these seeded inputs have none), whatever its
// loop looks like, on slivers of several depths with NaN, infinities and
// signed zeros among the values.
func TestAMD64KernelsFMAChain(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the FMA chain is the amd64 kernels' contract")
	}
	r := rand.New(rand.NewPCG(93, 94))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	for _, kern := range Kernels()[1:] {
		mr, nr := kern.MR, kern.NR
		for _, kc := range []int{1, 2, 7, 255, 256} {
			a, b := randMat(r, kc*mr), randMat(r, kc*nr)
			for i := 0; i < 2; i++ {
				a[r.IntN(len(a))] = special[r.IntN(len(special))]
				b[r.IntN(len(b))] = special[r.IntN(len(special))]
			}
			got := make([]float32, mr*nr)
			kern.Fn(kc, a, b, got)
			for i := 0; i < mr; i++ {
				for j := 0; j < nr; j++ {
					var s float32
					for p := 0; p < kc; p++ {
						s = float32(math.FMA(float64(a[p*mr+i]), float64(b[p*nr+j]), float64(s)))
					}
					g := got[i*nr+j]
					if math.Float32bits(g) != math.Float32bits(s) && !(g != g && s != s) {
						t.Fatalf("%s kc=%d: acc[%d][%d] = %v, the FMA chain gives %v", kern.Name, kc, i, j, g, s)
					}
				}
			}
		}
	}
}
