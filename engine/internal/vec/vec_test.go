package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPaths runs every elementwise loop of this build (Paths: the generic
// ones, and with GOEXPERIMENT=simd AVX2's and AVX-512's as far as the CPU
// has them, or SIMD128's in WebAssembly) against
// the scalar definitions, on lengths that exercise the vector body and the
// tail, with NaN, signed zeros and infinities: same bits, except that when
// the definition gives NaN any NaN is accepted (WebAssembly leaves the
// payload of a NaN result open).
func TestPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	gen := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = r.Float32()*4 - 2
			if r.IntN(5) == 0 {
				s[i] = special[r.IntN(len(special))]
			}
		}
		return s
	}
	same := func(got, want float32) bool {
		if want != want {
			return got != got
		}
		return math.Float32bits(got) == math.Float32bits(want)
	}
	for _, vp := range Paths() {
		for n := 0; n < 40; n++ {
			a, b := gen(n), gen(n)
			got := make([]float32, n)
			vp.Add(got, a, b)
			for i := range got {
				if !same(got[i], a[i]+b[i]) {
					t.Fatalf("%s add n=%d: [%d] %v + %v = %v", vp.Name, n, i, a[i], b[i], got[i])
				}
			}
			copy(got, a)
			vp.Add(got, got, b) // in place, as the pixel-major GEMM calls it
			for i := range got {
				if !same(got[i], a[i]+b[i]) {
					t.Fatalf("%s add in place n=%d: [%d] %v + %v = %v", vp.Name, n, i, a[i], b[i], got[i])
				}
			}
			vp.Relu(got, a)
			for i := range got {
				want := a[i]
				if want < 0 {
					want = 0
				}
				if !same(got[i], want) {
					t.Fatalf("%s relu n=%d: [%d] relu(%v) = %v", vp.Name, n, i, a[i], got[i])
				}
			}
			for _, relu := range []bool{false, true} {
				copy(got, a)
				vp.AddRelu(got, append(b[:n:n], 1), relu) // r may run on past c, as gemm's tile rows pass it
				for i := range got {
					want := a[i] + b[i]
					if relu && want < 0 {
						want = 0
					}
					if !same(got[i], want) {
						t.Fatalf("%s addrelu relu=%v n=%d: [%d] %v + %v = %v", vp.Name, relu, n, i, a[i], b[i], got[i])
					}
				}
			}
			c := gen(n)
			vp.Max3(got, a, b, c)
			for i := range got {
				if !same(got[i], max(a[i], b[i], c[i])) {
					t.Fatalf("%s max3 n=%d: [%d] max(%v, %v, %v) = %v", vp.Name, n, i, a[i], b[i], c[i], got[i])
				}
			}
			v := gen(2*n + 1)
			vp.MaxS2(got, v)
			for i := range got {
				if !same(got[i], max(v[2*i], v[2*i+1], v[2*i+2])) {
					t.Fatalf("%s maxs2 n=%d: [%d] max(%v, %v, %v) = %v", vp.Name, n, i, v[2*i], v[2*i+1], v[2*i+2], got[i])
				}
			}
			copy(got, a)
			vp.Max(got, got, b) // in place, as MaxPool calls it
			for i := range got {
				if !same(got[i], max(a[i], b[i])) {
					t.Fatalf("%s max n=%d: [%d] max(%v, %v) = %v", vp.Name, n, i, a[i], b[i], got[i])
				}
			}
		}
	}
}

// TestMaxf: Maxf has the builtin max's bits on every pair of special and
// ordinary values, in both orders.
func TestMaxf(t *testing.T) {
	vals := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)), 1, -1, 2.5}
	for _, x := range vals {
		for _, y := range vals {
			got, want := Maxf(x, y), max(x, y)
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("Maxf(%v, %v) = %v (%#x), max gives %v (%#x)", x, y, got, math.Float32bits(got), want, math.Float32bits(want))
			}
		}
	}
}

// TestMax3ZerosNaN: Max3 and MaxS2 on every path against max, on inputs
// where the sign of zero decides (only -0, +0, negatives and infinities;
// AVX-512's Max3 takes its fast maxima on them), then with one NaN (its
// fallback), and Max3 into a dst overlapping an input; lengths around the
// vector and the 2-vector loop.
func TestMax3ZerosNaN(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	negZero := float32(math.Copysign(0, -1))
	vals := []float32{negZero, 0, negZero, 0, -1, float32(math.Inf(-1)), float32(math.Inf(1))}
	same := func(got, want float32) bool {
		if want != want {
			return got != got
		}
		return math.Float32bits(got) == math.Float32bits(want)
	}
	for _, vp := range Paths() {
		for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 257} {
			for _, nan := range []bool{false, true} {
				gen := func(n int) []float32 {
					s := make([]float32, n)
					for i := range s {
						s[i] = vals[r.IntN(len(vals))]
					}
					return s
				}
				a, b, c := gen(n), gen(n), gen(n)
				if nan {
					b[r.IntN(n)] = float32(math.NaN())
				}
				got := make([]float32, n)
				vp.Max3(got, a, b, c)
				for i := range got {
					if want := max(a[i], b[i], c[i]); !same(got[i], want) {
						t.Fatalf("%s max3 n=%d nan=%v: [%d] max(%v, %v, %v) = %v (%#x)", vp.Name, n, nan, i, a[i], b[i], c[i], got[i], math.Float32bits(got[i]))
					}
				}
				// In place: dst is a.
				a0 := append([]float32(nil), a...)
				vp.Max3(a, a, b, c)
				for i := range a {
					if want := max(a0[i], b[i], c[i]); !same(a[i], want) {
						t.Fatalf("%s max3 in place n=%d nan=%v: [%d] = %v, want %v", vp.Name, n, nan, i, a[i], want)
					}
				}
				v := gen(2*n + 1)
				if nan {
					v[r.IntN(len(v))] = float32(math.NaN())
				}
				vp.MaxS2(got, v)
				for i := range got {
					if want := max(v[2*i], v[2*i+1], v[2*i+2]); !same(got[i], want) {
						t.Fatalf("%s maxs2 n=%d nan=%v: [%d] = %v, want %v", vp.Name, n, nan, i, got[i], want)
					}
				}
			}
		}
	}
}
