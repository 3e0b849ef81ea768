package par

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestForRanges: every index is visited exactly once, in the ranges For
// documents, for many worker counts and sizes, from several goroutines at
// once (so that some loops find the pool busy) and with loops nested in
// loops; and loops keep working after the helpers have parked.
func TestForRanges(t *testing.T) {
	check := func(workers, n int) {
		counts := make([]atomic.Int32, n)
		var bad atomic.Int32
		For(workers, n, func(lo, hi int) {
			w := min(max(workers, 1), max(n, 1))
			ok := false
			for i := 0; i < w; i++ {
				if lo == n*i/w && hi == n*(i+1)/w {
					ok = true
				}
			}
			if !ok && !(lo == 0 && hi == n) {
				bad.Add(1)
			}
			for i := lo; i < hi; i++ {
				counts[i].Add(1)
			}
		})
		if bad.Load() != 0 {
			t.Errorf("workers=%d n=%d: a range is not one of For's", workers, n)
		}
		for i := range counts {
			if c := counts[i].Load(); c != 1 {
				t.Fatalf("workers=%d n=%d: index %d visited %d times", workers, n, i, c)
			}
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for workers := 0; workers <= 5; workers++ {
				for n := 0; n <= 40; n++ {
					check(workers, n)
				}
			}
		}()
	}
	wg.Wait()
	var total atomic.Int64
	For(3, 10, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			For(2, 7, func(lo, hi int) { total.Add(int64(hi - lo)) })
		}
	})
	if total.Load() != 70 {
		t.Fatalf("nested loops covered %d of 70 indices", total.Load())
	}
	time.Sleep(3 * spinFor) // helpers park
	check(2, 1000)
}
