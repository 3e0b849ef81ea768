package engine

import (
	"fmt"
	"unsafe"
)

// Deferred gathers: a split node's output is not gathered when the node is
// done but when a later node reads it (or the run is over, or the memory
// plan hands its buffer back), and every part waiting then is gathered in
// one call, which is one barrier between the programs. GoogLeNet's
// inception blocks end in four split convs that only their Concat reads:
// their gathers, and that of a branch's first conv, wait for the next read
// and go together, so a run has half as many barriers (each one a wait for
// the slowest program, and a worker descheduled there stalls the others).
// Every program makes the same choices, since they depend only on the
// compiled graph (the nodes, their splits and the memory plan).

// pendingIn reports whether v shares memory with a part waiting to be
// gathered.
func (x *execCtx) pendingIn(v []float32) bool {
	if len(v) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	hi := lo + 4*uintptr(len(v))
	for _, g := range x.gathers {
		glo := uintptr(unsafe.Pointer(unsafe.SliceData(g.Y)))
		if lo < glo+4*uintptr(len(g.Y)) && glo < hi {
			return true
		}
	}
	return false
}

// settle gathers the waiting parts when node n is about to read one of
// them (in holds its inputs).
func (p *Program) settle(x *execCtx, in []*Tensor) error {
	if len(x.gathers) == 0 {
		return nil
	}
	for _, t := range in {
		if t != nil && x.pendingIn(t.Data) {
			return p.flushGathers(x)
		}
	}
	return nil
}

// settleAfter gathers the waiting parts after node i when it is the last
// (the outputs and kept values must be whole), or when its step is about
// to hand one of them back to the pool (free) or to RunOptions.Consume
// (lastKept): once out of the program's hands, a buffer must be whole.
// Both lists are checked whether or not this run consumes, so that every
// program decides alike.
func (p *Program) settleAfter(x *execCtx, i int, vals map[string]*Tensor) error {
	if len(x.gathers) == 0 {
		return nil
	}
	if i == len(p.nodes)-1 {
		return p.flushGathers(x)
	}
	for _, names := range [][]string{p.free[i], p.lastKept[i]} {
		for _, name := range names {
			if t := vals[name]; t != nil && x.pendingIn(t.Data) {
				return p.flushGathers(x)
			}
		}
	}
	return nil
}

// flushGathers gathers every waiting part in one call of Shard.Gather.
func (p *Program) flushGathers(x *execCtx) error {
	if len(x.gathers) == 0 {
		return nil
	}
	parts := x.gathers
	x.gathers = x.gathers[:0] // Gather keeps none of them
	if err := p.shard.Gather(parts); err != nil {
		return fmt.Errorf("gathering the shards' parts: %w", err)
	}
	return nil
}
