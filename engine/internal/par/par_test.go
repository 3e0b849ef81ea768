package par

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestForRanges: every index is visited exactly once, in the ranges For
// and ForChunks document, for many worker counts, chunk counts and sizes,
// from several goroutines at once (so that their callers run each other's
// ranges while they wait) and
// with loops nested in loops; and loops keep working after the helpers
// have parked.
func TestForRanges(t *testing.T) {
	check := func(workers, n int) {
		for _, chunks := range []int{-1, 0, 1, 3, 8} {
			checkChunks(t, workers, n, chunks)
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
			ForChunks(2, 7, 4, func(lo, hi int) { total.Add(int64(hi - lo)) })
		}
	})
	if total.Load() != 70 {
		t.Fatalf("nested loops covered %d of 70 indices", total.Load())
	}
	time.Sleep(3 * spinFor) // helpers park
	check(2, 1000)
	// A full pool, for certain: every loop runs on its caller alone and
	// must cut the same ranges.
	var filled []int
	for i := range pool.jobs {
		if pool.jobs[i].CompareAndSwap(nil, &job{done: make(chan struct{})}) {
			filled = append(filled, i)
		}
	}
	for workers := 2; workers <= 4; workers++ {
		for _, n := range []int{2, 5, 17, 40} {
			check(workers, n)
		}
	}
	for _, i := range filled {
		pool.jobs[i].Store(nil)
	}
}

// checkChunks runs ForChunks (For when chunks is -1) once and checks that
// every index is visited once and every range is one the split documents:
// by workers for For, by chunks for ForChunks, [0, n) with one worker.
func checkChunks(t *testing.T, workers, n, chunks int) {
	counts := make([]atomic.Int32, n)
	var bad atomic.Int32
	f := func(lo, hi int) {
		w := min(max(workers, 1), max(n, 1))
		c := min(max(chunks, w), max(n, 1))
		if chunks < 0 {
			c = w // For: one range per worker
		}
		ok := lo == 0 && hi == n && (workers <= 1 || n <= 1)
		for i := 0; i < c && workers > 1 && n > 1; i++ {
			ok = ok || lo == n*i/c && hi == n*(i+1)/c
		}
		if !ok {
			bad.Add(1)
		}
		for i := lo; i < hi; i++ {
			counts[i].Add(1)
		}
	}
	if chunks < 0 {
		For(workers, n, f)
	} else {
		ForChunks(workers, n, chunks, f)
	}
	if bad.Load() != 0 {
		t.Errorf("workers=%d n=%d chunks=%d: a range is not one of the split's", workers, n, chunks)
	}
	for i := range counts {
		if c := counts[i].Load(); c != 1 {
			t.Fatalf("workers=%d n=%d chunks=%d: index %d visited %d times", workers, n, chunks, i, c)
		}
	}
}

// TestTasks: every task runs once, from several goroutines at once and
// with loops inside the tasks (which the threads with no task left help);
// the largest tasks, listed first, start first.
func TestTasks(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Go(func() {
			for _, workers := range []int{0, 1, 2, 3} {
				for n := 0; n <= 9; n++ {
					counts := make([]atomic.Int32, n)
					var inner atomic.Int64
					Tasks(workers, n, func(i int) {
						counts[i].Add(1)
						ForChunks(workers, 50, 8, func(lo, hi int) { inner.Add(int64(hi - lo)) })
					})
					for i := range counts {
						if c := counts[i].Load(); c != 1 {
							t.Errorf("workers %d n %d: task %d ran %d times", workers, n, i, c)
						}
					}
					if inner.Load() != int64(50*n) {
						t.Errorf("workers %d n %d: loops covered %d of %d", workers, n, inner.Load(), 50*n)
					}
				}
			}
		})
	}
	wg.Wait()
	var started []int
	var mu sync.Mutex
	Tasks(2, 4, func(i int) {
		mu.Lock()
		started = append(started, i)
		mu.Unlock()
	})
	if len(started) != 4 || started[0] > 1 {
		t.Errorf("tasks started %v", started)
	}
}

// TestForGuided: every index is visited exactly once, in ranges of at least
// minRange (but the last) that shrink as the loop goes, for many worker
// counts, sizes and minimums, from several goroutines at once.
func TestForGuided(t *testing.T) {
	check := func(workers, n, minRange int) {
		seen := make([]atomic.Int32, n)
		var mu sync.Mutex
		var ranges [][2]int
		ForGuided(workers, n, minRange, func(lo, hi int) {
			if lo < 0 || hi > n || lo >= hi && n > 0 {
				t.Errorf("ForGuided(%d, %d, %d): range [%d, %d)", workers, n, minRange, lo, hi)
				return
			}
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
			mu.Lock()
			ranges = append(ranges, [2]int{lo, hi})
			mu.Unlock()
		})
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("ForGuided(%d, %d, %d): index %d visited %d times", workers, n, minRange, i, c)
			}
		}
		for _, r := range ranges {
			if r[1]-r[0] < max(minRange, 1) && r[1] != n {
				t.Fatalf("ForGuided(%d, %d, %d): range %v below the minimum", workers, n, minRange, r)
			}
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for workers := 0; workers <= 4; workers++ {
				for n := 0; n <= 70; n++ {
					for _, m := range []int{0, 1, 2, 5, 100} {
						check(workers, n, m)
					}
				}
			}
		}()
	}
	wg.Wait()
}
