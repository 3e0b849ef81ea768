package engine

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// LocalGather gathers the parts of Count sharded programs (see Shard) that
// run in goroutines of one process: each copies its parts into a shared
// buffer, waits until every part is in and copies the whole tensors out.
// It shares out the convs split by rows (Shard.Share). It is the
// in-process twin of the browser's SharedArrayBuffer gather (package
// wasm/shard), with the same counts: a gather waits for the parts, not
// for the other programs, so one that is behind does not hold up the
// others until they need its parts or its hands off a buffer.
type LocalGather struct {
	mu      sync.Mutex
	cond    *sync.Cond
	count   int
	done    int          // parts put into the buffers
	claimed int          // chunks of shared nodes taken
	read    []int        // per program, the gathers it copied out
	progs   []localProg  // per program, its own counts
	bufs    [2][]float32 // gather k uses bufs[k%2] (see gather)
	err     error
}

// localProg is one program's side of a LocalGather (wasm/shard's
// Exchange keeps the same).
type localProg struct {
	seq       int // gathers so far
	doneEnd   int // the done count that completes gather seq-1
	claimBase int // the claimed count at the current shared node's first chunk
}

// NewLocalGather returns the gatherer of count programs.
func NewLocalGather(count int) *LocalGather {
	l := &LocalGather{count: count, read: make([]int, count), progs: make([]localProg, count)}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// Shard returns the Options.Shard of program index.
func (l *LocalGather) Shard(index int) Shard {
	return Shard{Index: index, Count: l.count,
		Gather: func(parts []Gathered) error { return l.gather(index, parts) },
		Share:  func(n int) int { return l.share(index, n) },
	}
}

// Abort makes every waiting and later gather fail with err: a program
// whose run failed calls it so the others do not wait for it forever.
func (l *LocalGather) Abort(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
	l.cond.Broadcast()
}

// share is Shard.Share for program index: the claimed count runs on from
// node to node, this node's chunks being claimBase to claimBase+n-1.
func (l *LocalGather) share(index, n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	pr := &l.progs[index]
	end := pr.claimBase + n
	if l.claimed >= end {
		pr.claimBase = end
		return -1
	}
	l.claimed++
	return l.claimed - 1 - pr.claimBase
}

// gather alternates two buffers: a program writes gather k's parts into
// bufs[k%2] once every program has copied gather k-2's out of it. The
// tensors lie one after the other in the buffer, each part at its place
// in Y.
func (l *LocalGather) gather(index int, parts []Gathered) error {
	total, all, mine := 0, 0, 0
	for _, g := range parts {
		if g.Outer <= 0 || len(g.Y)%g.Outer != 0 {
			return fmt.Errorf("gather %s: %d values in %d blocks", g.Node, len(g.Y), g.Outer)
		}
		if g.Own != nil {
			all, mine = all+len(g.Bounds)-1, mine+len(g.Own)
		} else {
			all, mine = all+l.count, mine+1
		}
		total += len(g.Y)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	pr := &l.progs[index]
	seq := pr.seq
	pr.seq++
	pr.doneEnd += all
	for l.err == nil && slices.Min(l.read) < seq-1 {
		l.cond.Wait()
	}
	if l.err != nil {
		return l.err
	}
	buf := &l.bufs[seq%2]
	if len(*buf) < total {
		grown := make([]float32, total)
		copy(grown, *buf)
		*buf = grown
	}
	// Under the lock: the buffer is written only through it, and the
	// copies are small beside the tests' runs.
	at := 0
	for _, g := range parts {
		b := (*buf)[at : at+len(g.Y)]
		eachPart(g, index, func(lo, hi int, own bool) {
			if own {
				copy(b[lo:hi], g.Y[lo:hi])
			}
		})
		at += len(g.Y)
	}
	l.done += mine
	l.cond.Broadcast()
	for l.done < pr.doneEnd && l.err == nil {
		l.cond.Wait()
	}
	if l.err != nil {
		return l.err
	}
	at = 0
	for _, g := range parts {
		b := (*buf)[at : at+len(g.Y)]
		eachPart(g, index, func(lo, hi int, own bool) {
			if !own {
				copy(g.Y[lo:hi], b[lo:hi])
			}
		})
		at += len(g.Y)
	}
	l.read[index] = seq + 1
	l.cond.Broadcast()
	return nil
}

// eachPart calls f with the values [lo, hi) of every block of every part
// of g, and whether program index computed that part.
func eachPart(g Gathered, index int, f func(lo, hi int, own bool)) {
	block := len(g.Y) / g.Outer
	for i := range len(g.Bounds) - 1 {
		own := i == index
		if g.Own != nil {
			own = slices.Contains(g.Own, i)
		}
		for o := range g.Outer {
			f(o*block+g.Bounds[i]*g.Inner, o*block+g.Bounds[i+1]*g.Inner, own)
		}
	}
}

// RunShards runs progs (compiled with the Shards of one LocalGather, in
// order of Index) together on the same inputs, each in its own goroutine,
// and returns their results.
func RunShards(l *LocalGather, progs []*Program, inputs map[string]*Tensor) ([]*Result, error) {
	if len(progs) != l.count {
		return nil, fmt.Errorf("run shards: %d programs for %d shards", len(progs), l.count)
	}
	res := make([]*Result, len(progs))
	errs := make([]error, len(progs))
	var wg sync.WaitGroup
	for i, p := range progs {
		wg.Go(func() {
			res[i], errs[i] = p.Run(inputs)
			if errs[i] != nil {
				l.Abort(fmt.Errorf("shard %d failed: %w", i, errs[i]))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return res, nil
}
