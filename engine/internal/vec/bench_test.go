package vec

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkPaths runs each path's loops on 16K values (MaxPool's group of
// planes, about 64 KiB an operand: in L2) and reports ns per value, on
// average and in the fastest call (which other processes on the cores
// disturb least).
func BenchmarkPaths(b *testing.B) {
	const n = 1 << 14
	r := rand.New(rand.NewPCG(9, 10))
	x, y, z, dst := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], y[i], z[i] = r.Float32()-0.5, r.Float32()-0.5, r.Float32()-0.5
	}
	for _, p := range Paths() {
		for _, op := range []struct {
			name string
			f    func()
		}{
			{"add", func() { p.Add(dst, x, y) }},
			{"relu", func() { p.Relu(dst, x) }},
			{"max", func() { p.Max(dst, x, y) }},
			{"max3", func() { p.Max3(dst, x, y, z) }},
			{"maxs2", func() { p.MaxS2(dst[:n/2-1], x) }},
		} {
			b.Run(p.Name+"/"+op.name, func(b *testing.B) {
				best := time.Hour
				for b.Loop() {
					t0 := time.Now()
					op.f()
					best = min(best, time.Since(t0))
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/value")
				b.ReportMetric(float64(best.Nanoseconds())/n, "min-ns/value")
			})
		}
	}
}
