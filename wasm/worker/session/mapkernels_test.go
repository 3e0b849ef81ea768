package session

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMapPaths runs every path of this build against the generic loops on
// runs of every length up to a few vectors and a few blocks long, with
// ReLU-like zeros, signed zeros, NaN and infinities: the same counts,
// range and bytes, and a sum within float32 rounding of the ordered one
// (asm128's to the bit simd128's).
func TestMapPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	gen := func(n int, specials bool) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = r.Float32()*6 - 2
			if s[i] < 0 && r.IntN(2) == 0 {
				s[i] = 0
			}
			if specials && r.IntN(7) == 0 {
				s[i] = special[r.IntN(len(special))]
			}
		}
		return s
	}
	lengths := []int{2*scanBlock + 13, 5 * scanBlock, 3136}
	for n := range 70 {
		lengths = append(lengths, n)
	}
	paths := mapPaths()
	if len(paths) == 1 {
		t.Logf("this build has the generic path only (SIMD128 needs GOOS=js GOARCH=wasm GOEXPERIMENT=simd)")
	}
	for _, p := range paths {
		for _, n := range lengths {
			for _, specials := range []bool{false, true} {
				m := gen(n, specials)
				got, want := p.scan(m), scanGeneric(m)
				if got.zeros != want.zeros || got.finite != want.finite || got.mn != want.mn || got.mx != want.mx {
					t.Errorf("%s, %d values: scan %+v, want %+v", p.name, n, got, want)
				}
				// asm128 is simd128 with its loop in assembly: the
				// same sum to the bit.
				if p.name == "asm128" {
					if lanes := simd128Of(paths).scan(m); !sameScan(got, lanes) {
						t.Errorf("%s, %d values: scan %+v, simd128 %+v", p.name, n, got, lanes)
					}
				}
				var abs float64
				for _, v := range m {
					if v-v == 0 {
						abs += math.Abs(float64(v))
					}
				}
				if d := math.Abs(got.sum - want.sum); d > 1e-6*abs {
					t.Errorf("%s, %d values: sum %v, want %v", p.name, n, got.sum, want.sum)
				}
				if want.finite == 0 || want.mx <= want.mn {
					continue
				}
				// The map's own range, and the middle half of it: values
				// outside the range get their own low byte and leave
				// their neighbours' alone.
				d := want.mx - want.mn
				for _, rg := range [][2]float32{{want.mn, 255 / d}, {want.mn + d/4, 255 / (d / 2)}} {
					gb, wb := make([]byte, n), make([]byte, n)
					p.quantize(gb, m, rg[0], rg[1])
					quantizeGeneric(wb, m, rg[0], rg[1])
					for i := range gb {
						if gb[i] != wb[i] {
							t.Errorf("%s, %d values from %v, scale %v: value %d (%v) -> %d, want %d", p.name, n, rg[0], rg[1], i, m[i], gb[i], wb[i])
							break
						}
					}
				}
			}
		}
	}
}

// simd128Of returns the path named simd128 of paths.
func simd128Of(paths []mapPath) mapPath {
	for _, p := range paths {
		if p.name == "simd128" {
			return p
		}
	}
	panic("no simd128 path")
}

// sameScan reports whether a and b are the same to the bit (a -0 is not a
// 0 here).
func sameScan(a, b scanned) bool {
	return a.zeros == b.zeros && a.finite == b.finite &&
		math.Float64bits(a.sum) == math.Float64bits(b.sum) &&
		math.Float32bits(a.mn) == math.Float32bits(b.mn) && math.Float32bits(a.mx) == math.Float32bits(b.mx)
}
