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
// Loops may nest and run concurrently (see Tasks): they share the helpers,
// and the caller of a loop that waits for its last ranges runs ranges of
// the others meanwhile.
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
	pool.run(&job{f: f, n: n, w: int32(c), done: make(chan struct{})}, w)
}

// ForGuided runs f over [0, n) cut into ranges claimed one at a time, as
// ForChunks, but of decreasing size: each claim takes about a workers-th
// of what is left unclaimed (half with two workers), at least minRange
// (the last range may be smaller), so that the first ranges are large
// (few, each paying its setup once) and the last small, bounding what the
// loop's caller waits for at the end to a small range of the slowest
// thread instead of a chunks-th of the loop.
//
// A 2*workers-th before: twice the ranges, and a range's setup is not
// small where the loop is a GEMM's strips (each packs the other operand
// again) or Winograd's items (a range starting inside a tile block
// transforms the block's input again). Two workers against one, CPU time
// of the ranges, medians of 600 calls taking turns, three rounds at load
// 12-19, old / new split's extra CPU over one worker: 1x1 convs as GEMMs
// (m x k x n) 256x1024x196 +12% / +8%, +13 / +10, +12 / +9; 1024x256x196
// +15 / +13, +7 / +7, +3 / +5; 2048x512x49 +15 / +9, +9 / +7, +7 / +5;
// 128x512x784 +12 / +7, +12 / +6, +12 / +5; 512x128x784 +14 / +8, +11 /
// +8, +12 / +6; 256x64x3136 +6 / +3, +8 / +5, +9 / +6; 64x256x3136 +7 /
// +5, +6 / +3, +7 / +5; their wall medians lower in 20 of the 21. Winograd
// 3x3 convs (one round, load 20), extra CPU: 64->64 56x56 +9% / +8%,
// 128->128 28x28 +18 / +14, 96->128 28x28 +22 / +19, 128->192 28x28 +12
// / +10, 64->192 56x56 +6 / +5. The ranges depend on the order of the claims:
// f must give the same result for any cut of [0, n) (each index's work
// done alike in whatever range it falls). With workers <= 1 or one thread
// (WebAssembly) it calls f(0, n) once.
func ForGuided(workers, n, minRange int, f func(lo, hi int)) {
	minRange = max(minRange, 1)
	if workers <= 1 || n <= minRange || runtime.GOMAXPROCS(0) == 1 {
		f(0, n)
		return
	}
	w := min(workers, (n+minRange-1)/minRange)
	pool.run(&job{f: f, n: n, w: int32(n), guided: int32(w), minRange: int32(minRange), done: make(chan struct{})}, w)
}

// Tasks runs f(0), ..., f(n-1), each once, on up to workers goroutines (the
// caller's and the helpers'), tasks claimed in order of i by whoever is
// free first, and returns when all have returned. It is for a few large
// pieces of work that do not depend on each other (the branches of an
// inception block): each is one thread's from start to end, so its data
// stay in one core's caches, and the parallel loops (ForChunks) a task runs
// are helped by the threads that have no task left. A caller that wants
// the largest tasks started first orders them so. With workers <= 1 or one
// thread (WebAssembly) the caller runs them in order.
func Tasks(workers, n int, f func(i int)) {
	if workers <= 1 || n <= 1 || runtime.GOMAXPROCS(0) == 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	j := &job{f: func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f(i)
		}
	}, n: n, w: int32(n), task: true, done: make(chan struct{})}
	pool.run(j, min(workers, n))
}

// waitSpin is how long the caller of a loop spins for the helpers' last
// ranges, running ranges of other loops if there are any, before it
// blocks (a wake-up then costs tens of microseconds).
const waitSpin = 30 * time.Microsecond

// job is one loop (or one call of Tasks): its w ranges are claimed in
// order by whoever comes first.
type job struct {
	f        func(lo, hi int)
	n        int
	w        int32        // ranges
	task     bool         // a Tasks call: only a thread with nothing else to do claims its ranges
	guided   int32        // ForGuided: a claim takes 1/guided of what is left; w is then n, next and finished count indices
	minRange int32        // ForGuided: the smallest claim
	next     atomic.Int32 // next range (ForGuided: index) to claim
	finished atomic.Int32 // ranges (ForGuided: indices) done
	done     chan struct{}
}

// claim runs one unclaimed range of j and reports whether there was one;
// helper says whether a helper runs it, not the loop's caller (see
// SetTracing).
func (j *job) claim(helper bool) bool {
	var lo, hi int
	if j.guided > 0 {
		for {
			i := j.next.Load()
			if i >= j.w {
				return false
			}
			size := min(max((j.w-i+j.guided-1)/j.guided, j.minRange), j.w-i)
			if j.next.CompareAndSwap(i, i+size) {
				lo, hi = int(i), int(i+size)
				break
			}
		}
	} else {
		i := j.next.Add(1) - 1
		if i >= j.w {
			return false
		}
		lo, hi = j.n*int(i)/int(j.w), j.n*int(i+1)/int(j.w)
	}
	if tracing.Load() {
		tracedRange(j.f, lo, hi, helper)
	} else {
		j.f(lo, hi)
	}
	done := int32(1)
	if j.guided > 0 {
		done = int32(hi - lo)
	}
	if j.finished.Add(done) == j.w {
		close(j.done)
	}
	return true
}

// maxJobs bounds the loops in progress at once (nested loops, the loops of
// concurrent tasks, concurrent runs); a loop that finds no free slot runs
// its ranges on the caller's goroutine, in order.
const maxJobs = 32

// pool is the process's helpers and the loops in progress.
var pool = &helpers{wake: make(chan struct{}, 256)}

type helpers struct {
	mu      sync.Mutex // held while starting helpers
	started atomic.Int32
	epoch   atomic.Uint64 // bumped whenever a job is posted
	jobs    [maxJobs]atomic.Pointer[job]
	parked  atomic.Int32 // threads blocked on wake
	wake    chan struct{}
}

// run posts j, runs its ranges with the helpers (up to w goroutines in all
// claim them) and returns when all are done.
func (p *helpers) run(j *job, w int) {
	slot := -1
	for i := range p.jobs {
		if p.jobs[i].Load() == nil && p.jobs[i].CompareAndSwap(nil, j) {
			slot = i
			break
		}
	}
	if slot < 0 {
		for j.claim(false) {
		}
		return
	}
	if n := int32(min(w, runtime.GOMAXPROCS(0)) - 1); p.started.Load() < n {
		p.start(n)
	}
	p.epoch.Add(1)
	p.wakeParked()
	for j.claim(false) {
	}
	var t0 time.Time
	if tracing.Load() && !j.task {
		t0 = time.Now()
		counters.loops.Add(1)
		defer func() { counters.waitNs.Add(int64(time.Since(t0))) }()
	}
	p.wait(j)
	p.jobs[slot].Store(nil)
}

// wait returns when every range of j is done. Meanwhile it runs ranges of
// other loops (never tasks: one would keep the caller from returning for
// the whole of it), spins briefly without giving up the core, then blocks
// until j is done or a new loop is posted. (Yielding here, as the helpers
// do while idle, handed the caller's core to another process for a time
// slice whenever one was waiting: the caller, not the helper, is what the
// pass waits for.)
func (p *helpers) wait(j *job) {
	deadline := time.Now().Add(waitSpin)
	for spins := 0; j.finished.Load() < j.w; spins++ {
		seen := p.epoch.Load()
		if p.help(false, false) {
			deadline = time.Now().Add(waitSpin)
			continue
		}
		if spins%64 == 63 && time.Now().After(deadline) {
			p.parked.Add(1)
			if p.epoch.Load() == seen {
				select {
				case <-j.done:
				case <-p.wake:
				}
			}
			p.parked.Add(-1)
			deadline = time.Now().Add(waitSpin)
		}
	}
}

// help runs one unclaimed range of some posted job, tasks first when
// tasks is set (a helper), tasks not at all otherwise (the caller of a
// loop waiting for its end), and reports whether it found one.
func (p *helpers) help(tasks, helper bool) bool {
	for pass := 0; pass < 2; pass++ {
		wantTask := pass == 0
		if wantTask && !tasks {
			continue
		}
		for i := range p.jobs {
			j := p.jobs[i].Load()
			if j == nil || j.task != wantTask || j.next.Load() >= j.w {
				continue
			}
			if j.claim(helper) {
				return true
			}
		}
	}
	return false
}

// wakeParked wakes the threads blocked waiting for work.
func (p *helpers) wakeParked() {
	for i := p.parked.Load(); i > 0; i-- {
		select {
		case p.wake <- struct{}{}:
		default:
			return
		}
	}
}

// start makes sure at least n helpers run.
func (p *helpers) start(n int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := p.started.Load(); s < min(n, int32(cap(p.wake))); s++ {
		go p.loop()
		p.started.Store(s + 1)
	}
}

// loop is a helper: it runs ranges of the posted jobs (tasks first), spins
// for spinFor after the last for the next job, then parks until one is
// posted.
func (p *helpers) loop() {
	for {
		seen := p.epoch.Load()
		if p.help(true, true) {
			continue
		}
		deadline := time.Now().Add(spinFor)
		for spins := 0; p.epoch.Load() == seen; spins++ {
			osYield()
			if spins%16 == 15 && time.Now().After(deadline) {
				p.parked.Add(1)
				if p.epoch.Load() == seen { // no job posted since we looked
					<-p.wake
				}
				p.parked.Add(-1)
				deadline = time.Now().Add(spinFor)
			}
		}
	}
}
