// Package par runs the engine's parallel loops on a pool of helper
// goroutines that spin for a while between loops instead of being started
// for each one.
//
// A pass of GoogLeNet runs about a hundred parallel loops (convs, their
// im2col and Winograd transforms, max pools), most of them well under a
// millisecond. Started afresh for each loop, a helper goroutine lands on an
// idle thread the OS has to wake, which takes tens of microseconds on a
// virtual machine and, when other processes keep the cores busy, a whole
// scheduling slice: two workers then ran a pass no faster than one, while
// onnxruntime, whose threads spin between ops, ran it 1.8 times faster on
// the same machine. Here a helper that finishes a loop spins (see spinFor)
// watching for the next one before it parks, and the caller takes ranges
// no helper has claimed yet itself, so a helper that is slow to wake costs
// nothing but its share of the parallelism.
//
// archbench, two workers, 15 passes each, four rounds at load 2.1-2.4
// (other processes on the 2 cores), goroutines per loop / this pool, ms:
// GoogLeNet 28.2 29.1 27.5 29.8 / 22.7 23.6 20.8 20.4, ResNet-18 27.0 27.1
// 26.9 27.8 / 23.0 24.4 28.4 26.2; CPU time per pass about the same (40-49
// ms). At load 4 and more, when the second core is mostly taken, neither
// gains on one worker, and a spinning helper can make a pass slower.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinFor is how long an idle helper keeps watching for the next loop
// before it parks: longer than the gaps between the ops of a pass, short
// enough that a finished pass does not keep cores busy.
const spinFor = 200 * time.Microsecond

// For runs f over [0, n) split into min(workers, n) contiguous ranges, range
// i being [n*i/w, n*(i+1)/w), each run by one goroutine: the caller's or a
// helper's. It returns when all have returned. The ranges do not depend on
// which goroutine runs them, so a computation split this way gives the
// same result for any number of workers as long as each range's does.
// Loops may nest and run concurrently; a loop that finds the pool busy
// starts goroutines of its own, which claim the same ranges.
func For(workers, n int, f func(lo, hi int)) {
	ForChunks(workers, n, workers, f)
}

// ForChunks is For with [0, n) cut into min(chunks, n) ranges instead of
// one per worker (range i of c being [n*i/c, n*(i+1)/c)), handed out one
// at a time to whichever of up to workers goroutines asks first; with
// workers <= 1 it calls f(0, n) once. More ranges than workers cost each
// range's setup but bound what the caller waits for at the end: on a
// machine whose cores other processes keep busy, the OS deschedules a
// helper in the middle of its range for a whole time slice (milliseconds),
// and with one range per worker the caller then waited for half of the
// loop's work to be done by a thread that was not running (up to 34 ms of
// a 70 ms ResNet-18 pass at load 2.8). With smaller ranges the caller
// takes the rest itself and waits for one small range at most.
func ForChunks(workers, n, chunks int, f func(lo, hi int)) {
	if workers <= 1 || n <= 1 {
		f(0, n)
		return
	}
	w := min(workers, n)
	c := min(max(chunks, w), n)
	if runtime.GOMAXPROCS(0) == 1 {
		// One thread (WebAssembly): helpers could not run beside the
		// caller; the ranges in order give the same result.
		for i := 0; i < c; i++ {
			f(n*i/c, n*(i+1)/c)
		}
		return
	}
	j := &job{f: f, n: n, w: int32(c), done: make(chan struct{})}
	if !pool.mu.TryLock() {
		spawn(w, j)
		return
	}
	defer pool.mu.Unlock()
	pool.start(min(w, runtime.GOMAXPROCS(0)) - 1)
	pool.cur.Store(j)
	pool.epoch.Add(1)
	if p := pool.parked.Load(); p > 0 {
		for i := int32(0); i < p; i++ {
			select {
			case pool.wake <- struct{}{}:
			default:
			}
		}
	}
	j.run(false)
	var t0 time.Time
	if tracing.Load() {
		t0 = time.Now()
		counters.loops.Add(1)
		defer func() { counters.waitNs.Add(int64(time.Since(t0))) }()
	}
	// Ranges claimed by helpers may still run: spin briefly without
	// giving up the core, then block. (Yielding here, as the helpers do
	// while idle, handed the caller's core to another process for a time
	// slice whenever one was waiting: the caller, not the helper, is what
	// the pass waits for.)
	deadline := time.Now().Add(waitSpin)
	for spins := 0; j.finished.Load() < j.w; spins++ {
		if spins%64 == 63 && time.Now().After(deadline) {
			<-j.done
			break
		}
	}
	pool.cur.Store(nil)
}

// waitSpin is how long the caller of a loop spins for the helpers' last
// ranges before it blocks (a wake-up then costs tens of microseconds).
const waitSpin = 30 * time.Microsecond

// job is one loop: its w ranges are claimed in order by whoever comes
// first.
type job struct {
	f        func(lo, hi int)
	n        int
	w        int32        // ranges
	next     atomic.Int32 // next range to claim
	finished atomic.Int32 // ranges done
	done     chan struct{}
}

// run claims and runs ranges until none is left; helper says whether a
// helper runs them, not the loop's caller (see SetTracing).
func (j *job) run(helper bool) {
	for {
		i := j.next.Add(1) - 1
		if i >= j.w {
			return
		}
		lo, hi := j.n*int(i)/int(j.w), j.n*int(i+1)/int(j.w)
		if tracing.Load() {
			tracedRange(j.f, lo, hi, helper)
		} else {
			j.f(lo, hi)
		}
		if j.finished.Add(1) == j.w {
			close(j.done)
		}
	}
}

// pool is the process's helpers; mu is held by the loop using them.
var pool = &helpers{wake: make(chan struct{}, 256)}

type helpers struct {
	mu      sync.Mutex
	started int // helpers running (under mu)
	epoch   atomic.Uint64
	cur     atomic.Pointer[job] // the loop in progress, or nil
	parked  atomic.Int32
	wake    chan struct{}
}

// start makes sure at least n helpers run (called under mu).
func (p *helpers) start(n int) {
	for ; p.started < min(n, cap(p.wake)); p.started++ {
		go p.loop()
	}
}

// loop is a helper: it joins each new loop, spins for spinFor after one
// for the next, then parks until For wakes it.
func (p *helpers) loop() {
	seen := p.epoch.Load()
	for {
		deadline := time.Now().Add(spinFor)
		for spins := 0; p.epoch.Load() == seen; spins++ {
			osYield()
			if spins%16 == 15 && time.Now().After(deadline) {
				p.parked.Add(1)
				if p.epoch.Load() == seen { // no loop posted since we looked
					<-p.wake
				}
				p.parked.Add(-1)
				deadline = time.Now().Add(spinFor)
			}
		}
		seen = p.epoch.Load()
		if j := p.cur.Load(); j != nil {
			j.run(true)
		}
	}
}

// spawn is ForChunks without the pool: w-1 goroutines of its own and the
// caller claim j's ranges, the same ranges the pool's helpers would.
func spawn(w int, j *job) {
	for i := 1; i < w; i++ {
		go j.run(true)
	}
	j.run(false)
	<-j.done
}
