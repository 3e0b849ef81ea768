package engine

import (
	"errors"
	"fmt"
	"sync"
)

// LocalGather gathers the parts of Count sharded programs (see Shard) that
// run in goroutines of one process: each copies its part into a shared
// buffer, waits for the others and copies the whole tensor out. It is the
// in-process twin of the browser's SharedArrayBuffer gather (package
// wasm/shard).
type LocalGather struct {
	mu      sync.Mutex
	cond    *sync.Cond
	count   int
	arrived int
	gen     int          // gathers completed
	bufs    [2][]float32 // gather k uses bufs[k%2] (see gather)
	err     error
}

// NewLocalGather returns the gatherer of count programs.
func NewLocalGather(count int) *LocalGather {
	l := &LocalGather{count: count}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// Shard returns the Options.Shard of program index.
func (l *LocalGather) Shard(index int) Shard {
	return Shard{Index: index, Count: l.count, Gather: l.gather}
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

// gather alternates two buffers: a program that is through gather k may
// write gather k+1's parts while slower ones still copy gather k's result
// out, and none can reach gather k+2 (the same buffer) before all of them
// have passed gather k+1, so after they are done reading gather k. The
// parts lie one after the other in the buffer, each at its place in Y.
func (l *LocalGather) gather(parts []Gathered) error {
	total := 0
	for _, g := range parts {
		if g.Outer <= 0 || len(g.Y)%g.Outer != 0 {
			return fmt.Errorf("gather %s: %d values in %d blocks", g.Node, len(g.Y), g.Outer)
		}
		total += len(g.Y)
	}
	l.mu.Lock()
	if l.err != nil {
		l.mu.Unlock()
		return l.err
	}
	gen := l.gen
	buf := &l.bufs[gen%2]
	if len(*buf) < total {
		grown := make([]float32, total)
		copy(grown, *buf)
		*buf = grown
	}
	at := 0
	for _, g := range parts {
		b := (*buf)[at : at+len(g.Y)]
		block := len(g.Y) / g.Outer
		for o := range g.Outer {
			lo, hi := o*block+g.Lo*g.Inner, o*block+g.Hi*g.Inner
			copy(b[lo:hi], g.Y[lo:hi])
		}
		at += len(g.Y)
	}
	l.arrived++
	if l.arrived == l.count {
		l.arrived = 0
		l.gen++
		l.cond.Broadcast()
	}
	for l.gen == gen && l.err == nil {
		l.cond.Wait()
	}
	err := l.err
	l.mu.Unlock()
	if err != nil {
		return err
	}
	at = 0
	for _, g := range parts {
		copy(g.Y, (*buf)[at:at+len(g.Y)])
		at += len(g.Y)
	}
	return nil
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
