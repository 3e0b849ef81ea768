package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naivePool is the 3x3 max pool by its definition, tap by tap: stride s,
// one cell of padding on the top and left, output oh x ow; -Inf for a
// window with no tap inside.
func naivePool(src []float32, planes, h, w, s, oh, ow int) []float32 {
	return naivePoolK(src, planes, h, w, 3, s, 1, oh, ow)
}

// naivePoolK is naivePool for a k x k window and p cells of padding on
// the top and left.
func naivePoolK(src []float32, planes, h, w, k, s, p, oh, ow int) []float32 {
	dst := make([]float32, planes*oh*ow)
	for m := 0; m < planes; m++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				best := float32(math.Inf(-1))
				for ky := 0; ky < k; ky++ {
					for kx := 0; kx < k; kx++ {
						y, x := oy*s-p+ky, ox*s-p+kx
						if y >= 0 && y < h && x >= 0 && x < w {
							best = max(best, src[(m*h+y)*w+x])
						}
					}
				}
				dst[(m*oh+oy)*ow+ox] = best
			}
		}
	}
	return dst
}

// poolInput fills planes of h x w with random values, some -0, +0, -Inf
// and +Inf (and NaN when nan), so that max's signed zeros and infinities
// are checked.
func poolInput(r *rand.Rand, n int, nan bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch r.IntN(16) {
		case 0:
			x[i] = float32(math.Copysign(0, -1))
		case 1:
			x[i] = 0
		case 2:
			x[i] = float32(math.Inf(-1))
		case 3:
			if r.IntN(4) == 0 {
				x[i] = float32(math.Inf(1))
			} else {
				x[i] = -r.Float32()
			}
		case 4:
			if nan && r.IntN(8) == 0 {
				x[i] = float32(math.NaN())
				continue
			}
			fallthrough
		default:
			x[i] = r.Float32()*2 - 1
		}
	}
	return x
}

// samePoolBits compares pooled values bit for bit, any NaN matching any
// NaN (which NaN comes out of a window is left open).
func samePoolBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if g != g && w != w {
			continue
		}
		if math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("%s: [%d] = %v (%#x), want %v (%#x)", what, i, g, math.Float32bits(g), w, math.Float32bits(w))
		}
	}
}

// checkPool runs pool with a dst of len(want) values and 5 more (all 7)
// and a scratch vp of vpLen values (all NaN: the pool must not read what
// it did not write), then compares dst with want bit for bit (any NaN
// matching any NaN) and checks that the 5 values past it are left alone.
func checkPool(t *testing.T, what string, vpLen int, want []float32, pool func(dst, vp []float32)) {
	t.Helper()
	n := len(want)
	dst := make([]float32, n+5)
	for i := range dst {
		dst[i] = 7
	}
	vp := make([]float32, vpLen)
	for i := range vp {
		vp[i] = float32(math.NaN())
	}
	pool(dst, vp)
	samePoolBits(t, what, dst[:n], want)
	for i, v := range dst[n:] {
		if v != 7 {
			t.Fatalf("%s: dst[%d] past the planes written", what, n+i)
		}
	}
}

// TestMaxPool3x3S1W: every width from one vector up (whole vectors and
// tails), heights from 1, several planes, against the definition; the
// values past dst's planes are left alone.
func TestMaxPool3x3S1W(t *testing.T) {
	if !MaxPool3x3S1Wasm(4) {
		t.Skip("no WebAssembly SIMD max pool on this build")
	}
	r := rand.New(rand.NewPCG(71, 72))
	for _, nan := range []bool{false, true} {
		for w := 4; w <= 19; w++ {
			for _, h := range []int{1, 2, 3, 5, 8} {
				for _, planes := range []int{1, 3} {
					src := poolInput(r, planes*h*w, nan)
					checkPool(t, fmt.Sprintf("s1 w %d h %d", w, h), w+2+r.IntN(3), naivePool(src, planes, h, w, 1, h, w), func(dst, vp []float32) {
						MaxPool3x3S1W(dst, src, vp, planes, h, w)
					})
				}
			}
		}
	}
}

// TestMaxPool3x3S2P1: even sizes with 4 to 13 output columns (whole
// vectors and tails of outputs and inputs), against the definition.
func TestMaxPool3x3S2P1(t *testing.T) {
	if !MaxPool3x3S2Wasm(8, 8, 4, 4, 1, 1) {
		t.Skip("no WebAssembly SIMD max pool on this build")
	}
	r := rand.New(rand.NewPCG(73, 74))
	for _, nan := range []bool{false, true} {
		for ow := 4; ow <= 13; ow++ {
			for _, oh := range []int{1, 2, 3, 4, 8} {
				for _, planes := range []int{1, 3} {
					h, w := 2*oh, 2*ow
					if !MaxPool3x3S2Wasm(h, w, oh, ow, 1, 1) {
						t.Fatalf("%dx%d not taken", h, w)
					}
					src := poolInput(r, planes*h*w, nan)
					checkPool(t, fmt.Sprintf("s2 %dx%d", h, w), w+2, naivePool(src, planes, h, w, 2, oh, ow), func(dst, vp []float32) {
						MaxPool3x3S2P1(dst, src, vp, planes, h, w)
					})
				}
			}
		}
	}
	for _, c := range [][6]int{{8, 8, 4, 4, 0, 0}, {8, 8, 4, 4, 1, 0}, {9, 8, 4, 4, 1, 1}, {8, 6, 4, 3, 1, 1}, {8, 8, 5, 4, 1, 1}} {
		if MaxPool3x3S2Wasm(c[0], c[1], c[2], c[3], c[4], c[5]) {
			t.Errorf("MaxPool3x3S2Wasm%v: want false", c)
		}
	}
}

// TestMaxPool2x2S2: even sizes with 4 to 13 output columns (whole vectors
// and tails of outputs and inputs), against the definition.
func TestMaxPool2x2S2(t *testing.T) {
	if !MaxPool2x2S2Wasm(8, 8, 4, 4, 0, 0) {
		t.Skip("no WebAssembly SIMD max pool on this build")
	}
	r := rand.New(rand.NewPCG(75, 76))
	for _, nan := range []bool{false, true} {
		for ow := 4; ow <= 13; ow++ {
			for _, oh := range []int{1, 2, 3, 4, 8} {
				for _, planes := range []int{1, 3} {
					h, w := 2*oh, 2*ow
					src := poolInput(r, planes*h*w, nan)
					checkPool(t, fmt.Sprintf("2x2 %dx%d", h, w), w+2, naivePoolK(src, planes, h, w, 2, 2, 0, oh, ow), func(dst, vp []float32) {
						MaxPool2x2S2(dst, src, vp, planes, h, w)
					})
				}
			}
		}
	}
	for _, c := range [][6]int{{8, 8, 4, 4, 1, 1}, {8, 8, 4, 4, 0, 1}, {9, 8, 4, 4, 0, 0}, {8, 6, 4, 3, 0, 0}, {8, 8, 5, 4, 0, 0}} {
		if MaxPool2x2S2Wasm(c[0], c[1], c[2], c[3], c[4], c[5]) {
			t.Errorf("MaxPool2x2S2Wasm%v: want false", c)
		}
	}
}
