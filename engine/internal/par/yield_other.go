//go:build !linux

package par

import "runtime"

// osYield is runtime.Gosched where there is no sched_yield here.
func osYield() { runtime.Gosched() }
