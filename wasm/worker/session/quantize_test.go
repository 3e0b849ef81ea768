package session

import (
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkQuantizeStats is one shown layer's share of a Classify on the
// engine worker: the statistics and 8-bit maps of 64 maps of 112x112
// (GoogLeNet's conv2 size), ReLU outputs (a third exact zeros).
func BenchmarkQuantizeStats(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float32, 64*112*112)
	for i := range vals {
		if v := r.Float32()*3 - 1; v > 0 {
			vals[i] = v
		}
	}
	// Each path of this build in turn, side by side.
	defer func(p mapPath) { bestMaps = p }(bestMaps)
	for _, p := range mapPaths() {
		b.Run(p.name, func(b *testing.B) {
			bestMaps = p
			b.SetBytes(int64(4 * len(vals)))
			for b.Loop() {
				QuantizeStats(vals, 64)
			}
		})
	}
}

// clampedByte is quantizeInto's rule as written before it lost its
// per-value branches: x clamped to [0, 255] (NaN to 0), then rounded.
func clampedByte(v, mn, mx float32) byte {
	x := (float64(v) - float64(mn)) * (255 / (float64(mx) - float64(mn)))
	switch {
	case math.IsNaN(x) || x <= 0:
		return 0
	case x >= 255:
		return 255
	}
	return byte(x + 0.5)
}

// TestQuantizeIntoClamps: the bytes are those of clamping each value's
// place in the range (one off at most where float32 rounds across a half), on ranges from subnormal to the whole float32 span,
// with NaN, infinities, the range's ends and values next to them.
func TestQuantizeIntoClamps(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, rg := range [][2]float32{
		{0, 1}, {-1, 0}, {-3, 7}, {0, 1e-44}, {1e-45, 3e-45}, {-math.MaxFloat32, math.MaxFloat32},
		{1, 1.0000001}, {-1e30, 1e-30}, {100, 355}, {0, 255}, {0.1, 0.7},
	} {
		mn, mx := rg[0], rg[1]
		m := []float32{mn, mx, nan, inf, -inf, math.Nextafter32(mn, mx), math.Nextafter32(mx, mn), 0}
		for range 10000 {
			v := mn + (mx-mn)*r.Float32()
			if math.IsInf(float64(v), 0) { // (mx-mn) overflows on the widest range
				v = mn/2 + mx/2
			}
			m = append(m, max(mn, min(mx, v)))
		}
		got := make([]byte, len(m))
		quantizeInto(got, m, mn, mx)
		for i, v := range m {
			if i == 7 && (v < mn || v > mx) {
				continue // the 0 is out of this range: not a map value
			}
			// The range's ends, NaN and the infinities exactly; any other
			// value within one of the exact rounding (quantizeInto scales
			// in float32).
			want := clampedByte(v, mn, mx)
			if d := int(got[i]) - int(want); d != 0 && (i < 7 || d < -1 || d > 1) {
				t.Errorf("range %g..%g: %g -> %d, want %d", mn, mx, v, got[i], want)
			}
		}
	}
}
