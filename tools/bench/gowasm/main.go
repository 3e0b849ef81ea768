//go:build js && wasm

// Command gowasm is the Go side of `convscope bench -browser`: the engine
// compiled to WebAssembly (GOEXPERIMENT=simd), run in a Web Worker the way
// the app runs it. It lives under tools/bench, not wasm/, so the app's
// build does not ship it.
//
// It defines convscopeBench(modelFile Uint8Array, runs) -> JSON string:
// the model file (.csm, int8 weights as the app downloads them) is loaded
// with models.LoadBytes, compiled with one worker, warmed up for 3 s of
// runs (V8 tiers hot code up in the background) and then run runs times on
// the fixed input of the bench (see benchInput in the convscope command). The JSON is {"times_ms": [...], "output": [...]} or
// {"error": "..."}.
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
)

// warmupMS is how long each side warms up before the timed runs (at least
// one run, at most maxWarmupRuns); tools/bench/web/bench.js has the same.
const (
	warmupMS      = 3000
	maxWarmupRuns = 100
)

type result struct {
	WarmupRuns int       `json:"warmup_runs"`
	TimesMS    []float64 `json:"times_ms,omitempty"`
	Output     []float32 `json:"output,omitempty"`
	Error      string    `json:"error,omitempty"`
}

func main() {
	debug.SetGCPercent(models.GCPercent) // as the app's worker runs
	js.Global().Set("convscopeBench", js.FuncOf(func(_ js.Value, args []js.Value) any {
		var r result
		if len(args) != 2 {
			r.Error = "convscopeBench(modelFile, runs): want 2 arguments"
		} else {
			r = bench(args[0], args[1].Int())
		}
		b, err := json.Marshal(r)
		if err != nil {
			b = []byte(fmt.Sprintf(`{"error": %q}`, err.Error()))
		}
		return string(b)
	}))
	select {}
}

func bench(file js.Value, runs int) result {
	if runs < 1 {
		return result{Error: fmt.Sprintf("runs %d: want at least 1", runs)}
	}
	data := make([]byte, file.Get("length").Int())
	js.CopyBytesToGo(data, file)
	m, err := models.LoadBytes(data)
	if err != nil {
		return result{Error: err.Error()}
	}
	data = nil
	runtime.GC()
	p, err := m.Program(engine.Options{Workers: 1})
	if err != nil {
		return result{Error: err.Error()}
	}
	g := m.Graph()
	x, err := engine.NewTensor(g.Inputs[0].Shape...)
	if err != nil {
		return result{Error: err.Error()}
	}
	for i := range x.Data {
		x.Data[i] = float32((i*7919)%1000)/500 - 1
	}
	in := map[string]*engine.Tensor{g.Inputs[0].Name: x}
	r := result{}
	// Warm-up: V8 first runs wasm from its baseline compiler (Liftoff) and
	// recompiles hot functions with TurboFan in the background; on this
	// 2-core machine resnet20_cifar took ~1 s of runs (24 runs, 103 ms ->
	// 11 ms) to reach its steady state. So warm up for warmupMS of runs,
	// not a fixed count; bench.js does the same for onnxruntime-web.
	var res *engine.Result
	warm := time.Now()
	for r.WarmupRuns == 0 || time.Since(warm) < warmupMS*time.Millisecond && r.WarmupRuns < maxWarmupRuns {
		if res, err = p.Run(in); err != nil {
			return result{Error: err.Error()}
		}
		r.WarmupRuns++
	}
	for range runs {
		start := time.Now()
		if res, err = p.Run(in); err != nil {
			return result{Error: err.Error()}
		}
		r.TimesMS = append(r.TimesMS, float64(time.Since(start).Nanoseconds())/1e6)
	}
	r.Output = res.Outputs[g.Outputs[0]].Data
	return r
}
