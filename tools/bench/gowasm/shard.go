//go:build js && wasm

package main

// The sharded engine of `bench -browser`'s "all cores" row: one instance of
// this program per core, each in its own Web Worker
// (gobench_shard_worker.js), every conv and fc layer split between them by
// output channels (engine.Shard). The parts are exchanged through
// SharedArrayBuffers: each shard copies its part in, waits at a barrier
// (Atomics.wait; blocking the Go thread of a worker is allowed) and copies
// the whole tensor out. The worker script defines the JS side:
// shardView(parity, bytes) -> Uint8Array over exchange buffer parity (0 or
// 1, grown to bytes if needed), shardBarrier() -> "" or an error message,
// shardAgree(v) -> shard 0's v, seen by every shard.

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"syscall/js"
	"time"
	"unsafe"

	"convscope/engine"
	"convscope/models"
	"convscope/models/modelfile"
)

// shardResult is result with the number of gathers in each run (the
// split layers).
type shardResult struct {
	result
	GathersPerRun int     `json:"gathers_per_run"`
	GatherMS      float64 `json:"gather_ms"` // per timed run, in gathers (copies and waits)
}

func shardErr(msg string) shardResult { return shardResult{result: result{Error: msg}} }

func init() {
	js.Global().Set("convscopeBenchShard", js.FuncOf(func(_ js.Value, args []js.Value) any {
		var r shardResult
		if len(args) != 4 {
			r.Error = "convscopeBenchShard(modelFile, runs, index, count): want 4 arguments"
		} else {
			r = benchShard(args[0], args[1].Int(), args[2].Int(), args[3].Int())
		}
		b, err := json.Marshal(r)
		if err != nil {
			b = []byte(fmt.Sprintf(`{"error": %q}`, err.Error()))
		}
		return string(b)
	}))
}

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
	js.CopyBytesToGo(b, view)
	return nil
}

func benchShard(file js.Value, runs, index, count int) shardResult {
	if runs < 1 || count < 1 || index < 0 || index >= count {
		return shardErr(fmt.Sprintf("runs %d, shard %d of %d", runs, index, count))
	}
	debug.SetGCPercent(models.GCPercent)
	data := make([]byte, file.Get("length").Int())
	js.CopyBytesToGo(data, file)
	// DecodeGraph, not models.LoadBytes: that compiles a whole program
	// too, with every weight packed. The graph's int8 weights are views
	// of data; the sharded program copies its parts, so data and the
	// graph are dropped once it is compiled.
	_, g, err := modelfile.DecodeGraph(data)
	if err != nil {
		return shardErr(err.Error())
	}
	sg := &sabGather{}
	p, err := engine.Compile(g, engine.Options{Workers: 1, Shard: engine.Shard{Index: index, Count: count, Gather: sg.gather}})
	if err != nil {
		return shardErr(err.Error())
	}
	inName, shape, outName := g.Inputs[0].Name, g.Inputs[0].Shape, g.Outputs[0]
	data, g = nil, nil
	runtime.GC()
	x, err := engine.NewTensor(shape...)
	if err != nil {
		return shardErr(err.Error())
	}
	for i := range x.Data {
		x.Data[i] = float32((i*7919)%1000)/500 - 1
	}
	in := map[string]*engine.Tensor{inName: x}
	// Every shard starts together: loading and compiling take each its
	// own time.
	if msg := js.Global().Call("shardBarrier").String(); msg != "" {
		return shardErr(msg)
	}
	var r shardResult
	var res *engine.Result
	warm := time.Now()
	for {
		if res, err = p.Run(in); err != nil {
			return shardErr(err.Error())
		}
		r.WarmupRuns++
		// As long as the one-worker engine (main.go); shard 0 decides so
		// every shard runs the same number of runs (gathers pair up).
		done := r.WarmupRuns >= maxWarmupRuns || time.Since(warm) >= warmupMS*time.Millisecond
		if js.Global().Call("shardAgree", done).Truthy() {
			break
		}
	}
	before, beforeT := sg.seq, sg.time
	for range runs {
		start := time.Now()
		if res, err = p.Run(in); err != nil {
			return shardErr(err.Error())
		}
		r.TimesMS = append(r.TimesMS, float64(time.Since(start).Nanoseconds())/1e6)
	}
	r.Output = res.Outputs[outName].Data
	r.GathersPerRun = (sg.seq - before) / runs
	r.GatherMS = float64((sg.time - beforeT).Nanoseconds()) / 1e6 / float64(runs)
	return r
}
