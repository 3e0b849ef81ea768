package session

import (
	"bytes"
	"math"
	"testing"
	"time"

	"convscope/engine"
	"convscope/web/protocol"
)

func TestSummarise(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	st := summarise([]float32{0, -2, 0, nan, 4, inf, 1, float32(math.Inf(-1))})
	// Zeros count over every value; range and mean over the finite ones.
	want := protocol.LayerStat{Zeros: 2.0 / 8, Min: -2, Max: 4, Mean: 3.0 / 5, Bytes: 32}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if st := summarise([]float32{nan, inf}); st != (protocol.LayerStat{Bytes: 8}) {
		t.Errorf("no finite value: %+v", st)
	}
}

// floatRun runs the session's program on its last input without handing
// anything back: every kept value in float32, the same bits as the
// session's Classify computed (and dropped after summarising).
func floatRun(t *testing.T, s *Session) map[string]*engine.Tensor {
	t.Helper()
	res, err := s.prog.Run(map[string]*engine.Tensor{s.input: s.x})
	if err != nil {
		t.Fatal(err)
	}
	return res.Kept
}

// TestStats checks a real run's stats against a float32 run's values,
// value by value, and that computing them is cheap next to the run.
func TestStats(t *testing.T) {
	for _, name := range []string{"resnet20_cifar", "vgg_cifar"} {
		t.Run(name, func(t *testing.T) {
			b, _ := builtinModel(t, name)
			s, loaded, res := classified(t, b)
			if len(res.Stats) != len(loaded.Layers) {
				t.Fatalf("%d stats for %d layers (every layer's output is kept)", len(res.Stats), len(loaded.Layers))
			}
			relus := 0
			ref := floatRun(t, s)
			for i, st := range res.Stats {
				l := loaded.Layers[i]
				if st.Name != l.Name {
					t.Fatalf("stat %d is %s, layer %s", i, st.Name, l.Name)
				}
				vals := ref[s.values[l.Name]].Data
				n := 1
				for _, d := range l.Shape {
					n *= d
				}
				zeros, lo, hi, sum := 0, vals[0], vals[0], 0.0
				for _, v := range vals {
					if v == 0 {
						zeros++
					}
					lo, hi, sum = min(lo, v), max(hi, v), sum+float64(v)
				}
				if st.Bytes != 4*int64(n) || st.Zeros != float64(zeros)/float64(n) || st.Min != lo || st.Max != hi || math.Abs(float64(st.Mean)-sum/float64(n)) > 1e-5*(1+math.Abs(sum/float64(n))) {
					t.Errorf("%s: %+v; computed zeros %d of %d, range %v..%v, mean %v", l.Name, st, zeros, n, lo, hi, sum/float64(n))
				}
				if l.Kind == "relu" {
					relus++
					if st.Min != 0 || st.Zeros == 0 || st.Zeros == 1 {
						t.Errorf("%s: a ReLU's output with minimum %v and %.3f zeros", l.Name, st.Min, st.Zeros)
					}
				}
			}
			if relus == 0 {
				t.Error("no ReLU layer")
			}
			start := time.Now()
			for _, v := range ref {
				summarise(v.Data)
			}
			took := time.Since(start)
			// Logged, not asserted: timings on a shared machine are noise
			// (the cost of the stats against the run is a benchmark's job).
			t.Logf("stats of %d layers: %v; the run: %.2f ms", len(res.Stats), took, res.RunMs)
			res.ID = 1
			if _, _, err := protocol.Encode(res); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestQuantizeStats: Quantize and summarise at once give what they give
// apart, on maps with zeros, NaN, infinities, a constant map and a map
// with no finite value.
func TestQuantizeStats(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	vals := []float32{0, -2, 0, nan, 4, inf, 1, float32(math.Inf(-1)), 3, 3, 3, 3, nan, inf, nan, nan}
	r := uint32(7)
	for range 4 * 1000 {
		r = r*1664525 + 1013904223
		v := float32(int32(r>>8)%2000-1000) / 37
		if r%5 == 0 {
			v = 0
		}
		vals = append(vals, v)
	}
	for _, n := range []int{1, 4, 1004} {
		data, lo, hi, st := QuantizeStats(vals, n)
		wd, wlo, whi := Quantize(vals, n)
		if !bytes.Equal(data, wd) {
			t.Errorf("%d maps: the bytes differ", n)
		}
		for c := range lo {
			if lo[c] != wlo[c] || hi[c] != whi[c] {
				t.Errorf("%d maps: map %d range %v..%v, want %v..%v", n, c, lo[c], hi[c], wlo[c], whi[c])
			}
		}
		// The mean to a relative 1e-6: a SIMD path sums each map in
		// float32 lanes (scanned.sum), map by map here, the whole layer
		// at once in summarise. The rest exactly.
		want := summarise(vals)
		if d := math.Abs(float64(st.Mean - want.Mean)); d > 1e-6*math.Abs(float64(want.Mean)) {
			t.Errorf("%d maps: mean %v, want %v", n, st.Mean, want.Mean)
		}
		st.Mean = want.Mean
		if st != want {
			t.Errorf("%d maps: stats %+v, want %+v", n, st, want)
		}
	}
}
