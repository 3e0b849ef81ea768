package par

import "testing"

// BenchmarkFor compares For with starting a goroutine per range (spawn, as
// the engine's loops did) on two ranges of about 20 microseconds of work
// each, the size of a small conv's share: with two idle cores the time per
// loop is the work plus what it takes to get the second range running.
func BenchmarkFor(b *testing.B) {
	work := func(lo, hi int) {
		s := float32(0)
		for i := 0; i < 20000*(hi-lo); i++ {
			s += float32(i)
		}
		sink += s
	}
	b.Run("pool", func(b *testing.B) {
		for b.Loop() {
			For(2, 2, work)
		}
	})
	b.Run("spawn", func(b *testing.B) {
		for b.Loop() {
			spawn(2, &job{f: work, n: 2, w: 2, done: make(chan struct{})})
		}
	})
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			work(0, 2)
		}
	})
}

var sink float32

// spawn is ForChunks without the pool, as the engine's loops once ran: w-1
// goroutines of its own and the caller claim j's ranges.
func spawn(w int, j *job) {
	for i := 1; i < w; i++ {
		go func() {
			for j.claim(true) {
			}
		}()
	}
	for j.claim(false) {
	}
	<-j.done
}
