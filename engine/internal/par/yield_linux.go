//go:build linux

package par

import "syscall"

// osYield gives the thread's core to any other runnable thread (sched_yield)
// and returns at once when there is none. A spinning helper calls it on
// every turn: on a machine busy with other processes a helper that only
// spun took CPU time from the process's own working thread (two-worker
// passes got slower than one-worker ones); on an idle one it costs a
// system call per turn and keeps the helper as quick to start.
func osYield() { syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
