//go:build js && wasm

// Command gowasm is the Go side of `convscope bench -browser`: the engine
// compiled to WebAssembly (GOEXPERIMENT=simd), run in a Web Worker the way
// the app runs it. It lives under tools/bench, not wasm/, so the app's
// build does not ship it.
//
// It defines convscopeBench(modelFile Uint8Array, runs) -> JSON string:
// the model file (.csm, int8 weights as the app downloads them) is loaded
// with models.LoadBytes, compiled with one worker, run once to warm up and
// then runs times on the fixed input of the bench (see benchInput in the
// convscope command). The JSON is {"times_ms": [...], "output": [...]} or
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

type result struct {
	TimesMS []float64 `json:"times_ms,omitempty"`
	Output  []float32 `json:"output,omitempty"`
	Error   string    `json:"error,omitempty"`
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
	res, err := p.Run(in) // warm-up: the browser tiers the code up on first use
	if err != nil {
		return result{Error: err.Error()}
	}
	r := result{}
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
