package par

import (
	"runtime"
	"testing"
	"time"
)

// TestTracing: with tracing on, a loop on the pool counts one loop and the
// CPU time of its ranges (on Linux, where threads have a CPU clock: about
// what the ranges spun, split between the caller and helpers); off, nothing
// is counted and the loops still visit every index once.
func TestTracing(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the pool needs two threads")
	}
	// Spins until the thread has run d (by its CPU clock where there is
	// one, so that a descheduled thread still adds d), or d of wall time.
	spin := func(d time.Duration) {
		c0, s := threadCPU(), time.Now()
		for time.Since(s) < d || threadCPU()-c0 < int64(d) && threadCPU() != 0 {
		}
	}
	run := func() int {
		hits := make([]int, 8)
		ForChunks(2, 8, 8, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				hits[i]++
				spin(200 * time.Microsecond)
			}
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("index %d visited %d times", i, h)
			}
		}
		return len(hits)
	}
	SetTracing(true)
	run()
	SetTracing(false)
	c := ReadCounters()
	if c.Loops != 1 {
		t.Fatalf("Loops = %d after one loop, want 1", c.Loops)
	}
	if c.Wait < 0 {
		t.Fatalf("Wait = %v", c.Wait)
	}
	if runtime.GOOS == "linux" {
		// 8 ranges spun 200 us of CPU time each: at least 1.6 ms.
		if cpu := c.CallerCPU + c.HelperCPU; cpu < 1600*time.Microsecond || cpu > time.Second {
			t.Fatalf("ranges' CPU %v (caller %v, helpers %v), want about 1.6 ms", cpu, c.CallerCPU, c.HelperCPU)
		}
	}
	run()
	if d := ReadCounters(); d != c {
		t.Fatalf("counted with tracing off: %+v, before %+v", d, c)
	}
	SetTracing(true)
	if d := ReadCounters(); d != (Counters{}) {
		t.Fatalf("SetTracing(true) left %+v", d)
	}
	SetTracing(false)
}
