// Package reuse keeps released buffers for later calls, from any thread.
//
// It replaces sync.Pool where the engine reuses memory across runs: a
// sync.Pool keeps its objects per P, so a run whose goroutine was
// rescheduled on another P found none there and allocated afresh
// (natively, on a busy machine: ResNet-50 made 9.6-11 MB of activations and
// 24 MB of conv scratch again in some passes), and it hands out whichever
// object it holds, not one that fits. As from a sync.Pool, an object no
// caller holds is left to the garbage collector (weak pointers), so an idle
// program does not pin its memory.
package reuse

import (
	"sync"
	"weak"
)

// List holds released objects of type T. The zero List is empty and ready.
type List[T any] struct {
	mu   sync.Mutex
	free []weak.Pointer[T]
}

// Take removes and returns the free object of lowest rank, or nil when
// none serves. rank(x) < 0 means x does not serve; among equal ranks the
// most recently released wins (its memory is the likeliest in cache).
// Objects the collector took are dropped on the way.
func (l *List[T]) Take(rank func(*T) int) *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	best, bi, br := (*T)(nil), -1, 0
	n := 0 // entries kept, in release order
	for _, w := range l.free {
		x := w.Value()
		if x == nil { // collected
			continue
		}
		l.free[n] = w
		if r := rank(x); r >= 0 && (best == nil || r <= br) {
			best, bi, br = x, n, r
		}
		n++
	}
	clear(l.free[n:])
	l.free = l.free[:n]
	if best != nil {
		l.free = append(l.free[:bi], l.free[bi+1:]...)
	}
	return best
}

// Put releases x for a later Take.
func (l *List[T]) Put(x *T) {
	l.mu.Lock()
	l.free = append(l.free, weak.Make(x))
	l.mu.Unlock()
}
