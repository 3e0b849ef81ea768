//go:build js && wasm

package main

// The sharded engine of `bench -browser`'s all-cores row: one instance of
// this program per core, each in its own Web Worker, every conv and fc
// layer split between them by output channels (engine.Shard). The parts
// are exchanged through SharedArrayBuffers: each shard copies its part in,
// waits at a barrier (Atomics.wait; blocking the Go thread of a worker is
// allowed) and copies the others' parts out. The worker script
// (tools/bench/web/gobench_worker.js) defines the JS side:
// shardView(parity, bytes) -> Uint8Array over exchange buffer parity (0 or
// 1, grown to bytes if needed), shardBarrier() -> "" or an error message,
// shardFail() to release the other shards when this one fails.

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"
	"unsafe"

	"convscope/engine"
	"convscope/models/modelfile"
)

// sabGather is engine.Shard's Gather over the worker's exchange buffers.
// Gather k uses buffer k%2: a shard can only reach gather k+2 once every
// shard has passed gather k+1's barrier, after reading gather k's buffer.
type sabGather struct {
	seq  int
	time time.Duration // spent in gather: copies and waiting for the others
}

func (s *sabGather) gather(g engine.Gathered) error {
	n := 4 * len(g.Y)
	if n == 0 || g.Outer <= 0 {
		return fmt.Errorf("gather %s: nothing to gather", g.Node)
	}
	start := time.Now()
	defer func() { s.time += time.Since(start) }()
	view := js.Global().Call("shardView", s.seq%2, n)
	s.seq++
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(g.Y))), n)
	block := n / g.Outer
	for o := range g.Outer {
		lo, hi := o*block+4*g.Lo*g.Inner, o*block+4*g.Hi*g.Inner
		if hi > lo {
			js.CopyBytesToJS(view.Call("subarray", lo, hi), b[lo:hi])
		}
	}
	if msg := js.Global().Call("shardBarrier").String(); msg != "" {
		return errors.New(msg)
	}
	// The others' parts: each block but this shard's own range.
	for o := range g.Outer {
		lo, hi := o*block+4*g.Lo*g.Inner, o*block+4*g.Hi*g.Inner
		for _, r := range [2][2]int{{o * block, lo}, {hi, (o + 1) * block}} {
			if r[1] > r[0] {
				js.CopyBytesToGo(b[r[0]:r[1]], view.Call("subarray", r[0], r[1]))
			}
		}
	}
	return nil
}

// compileShard compiles shard index of count from the model file data.
// It decodes with modelfile.DecodeGraph, not models.LoadBytes, which
// compiles a whole program too with every weight packed. The graph's int8
// weights are views of data; the sharded program copies what it keeps, so
// the caller drops data (and the graph, once it has read the input's and
// output's names) and only this shard's part of the weights stays.
func compileShard(data []byte, index, count int) (*loaded, *engine.Graph, error) {
	_, g, err := modelfile.DecodeGraph(data)
	if err != nil {
		return nil, nil, err
	}
	sg := &sabGather{}
	p, err := engine.Compile(g, engine.Options{Workers: 1, Shard: engine.Shard{Index: index, Count: count, Gather: sg.gather}})
	if err != nil {
		return nil, nil, err
	}
	return &loaded{p: p, sg: sg}, g, nil
}
