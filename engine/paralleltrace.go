package engine

import (
	"time"

	"convscope/engine/internal/par"
)

// ParallelCounters are what the parallel loops of every program cost
// since TraceParallel(true): the CPU time of the ranges the runs' own
// goroutines took (CallerCPU) and those the helper threads took
// (HelperCPU), and the wall time the runs waited at the ends of loops for
// helpers' last ranges (Wait), over Loops loops. Read around each node
// (RunOptions.Progress), a run with several workers shows which layers
// cost more CPU in all than on one worker and where it waits. The CPU
// times are per thread (Linux; zero elsewhere). ThreadCPU is the CPU
// time of the thread that reads the counters, at the read: a run's
// goroutine locked to its thread (runtime.LockOSThread) gets its own
// share, outside the loops included, as the difference of two reads.
type ParallelCounters struct {
	Loops                      int64
	Wait, CallerCPU, HelperCPU time.Duration
	ThreadCPU                  time.Duration
}

// TraceParallel switches the counting on (from zero) or off. Off, as by
// default, it costs an atomic load per range of work.
func TraceParallel(on bool) { par.SetTracing(on) }

// ReadParallelCounters returns the counts so far.
func ReadParallelCounters() ParallelCounters {
	c := par.ReadCounters()
	return ParallelCounters{Loops: c.Loops, Wait: c.Wait, CallerCPU: c.CallerCPU, HelperCPU: c.HelperCPU, ThreadCPU: par.ThreadCPU()}
}
