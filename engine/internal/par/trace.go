package par

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Tracing, while on, counts what the parallel loops cost: the CPU time of
// every range on the thread that ran it (the loop's caller or a helper),
// and the wall time each caller waited at the end of its loop for ranges
// that helpers still ran. A profile that reads the counters around each
// node (archbench's TestLayerProfile with several workers) can then tell
// work that splitting added (more CPU in all than one worker spends) from
// time lost waiting (a helper's last range, a wake-up). Off, it costs one
// atomic load per range.
var tracing atomic.Bool

var counters struct {
	loops, waitNs, callerCPU, helperCPU atomic.Int64
}

// Counters are the totals since tracing was last switched on.
type Counters struct {
	Loops     int64         // loops run on the helper pool
	Wait      time.Duration // callers' wall time waiting for helpers' ranges
	CallerCPU time.Duration // CPU time of ranges run by the loops' callers
	HelperCPU time.Duration // CPU time of ranges run by helpers
}

// SetTracing switches tracing on (resetting the counters) or off.
func SetTracing(on bool) {
	if on {
		counters.loops.Store(0)
		counters.waitNs.Store(0)
		counters.callerCPU.Store(0)
		counters.helperCPU.Store(0)
	}
	tracing.Store(on)
}

// ReadCounters returns the counters (all zero if tracing never ran or the
// platform has no per-thread CPU clock).
func ReadCounters() Counters {
	return Counters{
		Loops:     counters.loops.Load(),
		Wait:      time.Duration(counters.waitNs.Load()),
		CallerCPU: time.Duration(counters.callerCPU.Load()),
		HelperCPU: time.Duration(counters.helperCPU.Load()),
	}
}

// ThreadCPU returns the calling thread's CPU time (0 where the platform
// has no per-thread clock).
func ThreadCPU() time.Duration { return time.Duration(threadCPU()) }

// tracedRange runs f(lo, hi) and counts its thread's CPU time. The
// goroutine stays on its thread meanwhile, so that the clock read twice
// is one thread's.
func tracedRange(f func(lo, hi int), lo, hi int, helper bool) {
	runtime.LockOSThread()
	c0 := threadCPU()
	f(lo, hi)
	d := threadCPU() - c0
	runtime.UnlockOSThread()
	if helper {
		counters.helperCPU.Add(d)
	} else {
		counters.callerCPU.Add(d)
	}
}
