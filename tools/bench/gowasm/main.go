//go:build js && wasm

// Command gowasm is the Go side of `convscope bench -browser`: the engine
// compiled to WebAssembly (GOEXPERIMENT=simd), run in Web Workers the way
// the app runs it. It lives under tools/bench, not wasm/, so the app's
// build does not ship it.
//
// The page (tools/bench/web/bench.js) drives each worker run by run, so
// that the one-worker engine and the engine split over every core
// (shard.go) take turns and share the machine's load alike:
//
//	convscopeBenchLoad(modelFile Uint8Array, index, count, ctl, bufs) -> "" or an error
//	convscopeBenchRun(timed) -> JSON {"ms", "gathers", "gather_ms", "wait_ms"} or {"error"}
//	convscopeBenchResult() -> JSON {"output": [...], "profile": [...]}: the
//	    last run's logits and the mean time of every node over the timed
//	    runs, split into compute, gather copies and barrier waits
//
// With count 1 the model file (.csm, int8 weights as the app downloads
// them) is loaded with models.LoadBytes and compiled with one worker, as
// the app's worker does; with count > 1 this instance is shard index of
// count, copying in only its part of the weights (the file stays in JS
// memory) and exchanging over the SharedArrayBuffers ctl and bufs (see
// shard.go and package wasm/shard). Every run uses the fixed input of the bench (see
// benchInput in the convscope command).
package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"syscall/js"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/models/modelfile"
	"convscope/wasm/shard"
)

// loaded is the program this instance runs and its input.
type loaded struct {
	p      *engine.Program
	in     map[string]*engine.Tensor
	output string
	x      *shard.Exchange // count > 1
	res    *engine.Result
	prof   []nodeProfile // summed over the timed runs
	timed  int
}

// nodeProfile is one node's time in a run: compute (the node's own work),
// and for a split node its gather's copies and wait at the barrier.
type nodeProfile struct {
	Node    string  `json:"node"`
	Op      string  `json:"op"`
	Compute float64 `json:"ms"`
	Copy    float64 `json:"copy_ms,omitempty"`
	Wait    float64 `json:"wait_ms,omitempty"`
}

var cur *loaded

// runResult is convscopeBenchRun's answer.
type runResult struct {
	MS       float64 `json:"ms"`
	Gathers  int     `json:"gathers"`   // split layers exchanged in the run
	GatherMS float64 `json:"gather_ms"` // time in those exchanges: copies and waiting for the other shards
	WaitMS   float64 `json:"wait_ms"`   // the part of GatherMS spent waiting at the barrier
	Error    string  `json:"error,omitempty"`
}

func main() {
	debug.SetGCPercent(models.GCPercent) // as the app's worker runs
	js.Global().Set("convscopeBenchLoad", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 5 {
			return "convscopeBenchLoad(modelFile, index, count, ctl, bufs): want 5 arguments"
		}
		var err error
		if cur, err = load(args[0], args[1].Int(), args[2].Int(), args[3], args[4]); err != nil {
			return err.Error()
		}
		return ""
	}))
	js.Global().Set("convscopeBenchRun", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return jsonOf(run(len(args) > 0 && args[0].Truthy()))
	}))
	js.Global().Set("convscopeBenchResult", js.FuncOf(func(js.Value, []js.Value) any {
		if cur == nil || cur.res == nil {
			return jsonOf(map[string]string{"error": "no run yet"})
		}
		prof := make([]nodeProfile, len(cur.prof))
		for i, p := range cur.prof {
			k := float64(max(cur.timed, 1))
			prof[i] = nodeProfile{p.Node, p.Op, p.Compute / k, p.Copy / k, p.Wait / k}
		}
		return jsonOf(map[string]any{"output": cur.res.Outputs[cur.output].Data, "profile": prof})
	}))
	select {}
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"error": %q}`, err.Error()))
	}
	return string(b)
}

func load(file js.Value, index, count int, ctl, bufs js.Value) (*loaded, error) {
	if count < 1 || index < 0 || index >= count {
		return nil, fmt.Errorf("shard %d of %d", index, count)
	}
	var l *loaded
	var in engine.ValueInfo
	if count == 1 {
		// As the app's worker loads a model: the whole file in wasm
		// memory, the model's int8 weights views of it.
		data := make([]byte, file.Get("length").Int())
		js.CopyBytesToGo(data, file)
		m, err := models.LoadBytes(data)
		if err != nil {
			return nil, err
		}
		if l, err = compileWhole(m); err != nil {
			return nil, err
		}
		g := m.Graph()
		in, l.output = g.Inputs[0], g.Outputs[0]
	} else {
		// The file stays in JS memory; only this shard's part of the
		// weights is copied in (see compileShard).
		var meta *modelfile.Meta
		var err error
		if l, meta, err = compileShard(file, ctl, bufs, index, count); err != nil {
			return nil, err
		}
		in = engine.ValueInfo{Name: meta.Inputs[0].Name, Shape: meta.Inputs[0].Shape}
		l.output = meta.Outputs[0]
	}
	inName, shape := in.Name, in.Shape
	runtime.GC() // what loading left behind (the metadata's bytes, the stream buffer)
	x, err := engine.NewTensor(shape...)
	if err != nil {
		return nil, err
	}
	for i := range x.Data {
		x.Data[i] = float32((i*7919)%1000)/500 - 1
	}
	l.in = map[string]*engine.Tensor{inName: x}
	return l, nil
}

func compileWhole(m *models.Model) (*loaded, error) {
	p, err := m.Program(engine.Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	return &loaded{p: p}, nil
}

func run(timed bool) runResult {
	if cur == nil {
		return runResult{Error: "no model loaded"}
	}
	var seq int
	var spent, waited time.Duration
	if cur.x != nil {
		seq, spent, waited = cur.x.Gathers, cur.x.Time, cur.x.Wait
	}
	var ro engine.RunOptions
	if timed {
		cur.timed++
		ro.Progress = cur.record
	}
	start := time.Now()
	res, err := cur.p.RunWith(cur.in, ro)
	if err != nil {
		if cur.x != nil {
			cur.x.Fail() // the other shards must not wait for this one
		}
		return runResult{Error: err.Error()}
	}
	r := runResult{MS: float64(time.Since(start).Nanoseconds()) / 1e6}
	cur.res = res
	if cur.x != nil {
		r.Gathers = cur.x.Gathers - seq
		r.GatherMS = float64((cur.x.Time - spent).Nanoseconds()) / 1e6
		r.WaitMS = float64((cur.x.Wait - waited).Nanoseconds()) / 1e6
	}
	return r
}

// record adds node i's time (done-1) to the profile: the copies and wait
// of a gather made during it, apart from its compute. A split node's
// gather waits until a node reads its output (engine.Shard's Gather), so
// it is counted at the node that read it.
func (l *loaded) record(done, _ int, t engine.NodeTiming) {
	i := done - 1
	if i >= len(l.prof) {
		l.prof = append(l.prof, make([]nodeProfile, i+1-len(l.prof))...)
	}
	p := &l.prof[i]
	p.Node, p.Op = t.Node, t.Op.String()
	d := t.Duration
	if l.x != nil && l.x.Last != (shard.GatherTiming{}) {
		p.Copy += ms(l.x.Last.Copy)
		p.Wait += ms(l.x.Last.Wait)
		d -= l.x.Last.Copy + l.x.Last.Wait
		l.x.Last = shard.GatherTiming{}
	}
	p.Compute += ms(d)
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
