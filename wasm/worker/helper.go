//go:build js

package main

// Helper mode: worker.wasm started by the engine worker under a name that
// begins with helperName runs one shard of the engine worker's program
// (see helpers.go) instead of the app's protocol. Requests (plain objects,
// each answered by one message, {error} on failure):
//
//	{cmd: "load", file, index, count, ctl, bufs, keep} -> {wasm}: compile
//	  shard index of count of the model file (a Uint8Array over a
//	  SharedArrayBuffer) with Options.Keep keep, exchanging over ctl and
//	  bufs (package wasm/shard);
//	{cmd: "run", input, shape} -> {wasm}: run on the input (float32 bytes),
//	  in lockstep with the other shards; {error, aborted: true} when the
//	  run was released by the failed flag.
//
// wasm is the size of the helper's WebAssembly memory (its peak). A helper
// whose Go program dies (an exception out of its WebAssembly, Go's fatal
// errors such as out of memory) or that cannot read a request is answered
// for by static/worker.js: {error, died: true}, after it set the failed
// flag of the shards' barrier.

import (
	"errors"
	"fmt"
	"runtime"
	"syscall/js"

	"convscope/engine"
	"convscope/wasm/jsmodel"
	"convscope/wasm/shard"
)

type helperState struct {
	x     *shard.Exchange
	prog  *engine.Program
	input string
}

func helperMain() {
	self := js.Global()
	jobs := make(chan js.Value, 16)
	take := func(d js.Value) {
		select {
		case jobs <- d:
		default:
			self.Call("postMessage", errorReply(errors.New("too many requests queued")))
		}
	}
	self.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 {
			take(args[0].Get("data"))
		}
		return nil
	}))
	if pending := self.Get("convscopePending"); pending.Type() == js.TypeObject {
		for i := 0; i < pending.Length(); i++ {
			take(pending.Index(i))
		}
		self.Set("convscopePending", js.Null())
	}
	var h helperState
	for d := range jobs {
		self.Call("postMessage", h.handle(d))
	}
}

func (h *helperState) handle(d js.Value) (out js.Value) {
	// A bug must release the other shards and be answered, not hang them.
	defer func() {
		if r := recover(); r != nil {
			if h.x != nil {
				h.x.Fail()
			}
			out = errorReply(fmt.Errorf("internal error: %v", r))
		}
	}()
	var err error
	switch cmd := d.Get("cmd").String(); cmd {
	case "load":
		err = h.load(d)
	case "run":
		err = h.run(d)
		if err != nil {
			h.x.Fail() // the others must not wait for this shard
			if errors.Is(err, shard.ErrAborted) {
				r := errorReply(err)
				r.Set("aborted", true)
				return r
			}
		}
	default:
		err = fmt.Errorf("unknown helper request %q", cmd)
	}
	if err != nil {
		return errorReply(err)
	}
	r := js.Global().Get("Object").New()
	r.Set("wasm", memory().Wasm)
	return r
}

func errorReply(err error) js.Value {
	r := js.Global().Get("Object").New()
	r.Set("error", err.Error())
	r.Set("wasm", memory().Wasm)
	return r
}

func (h *helperState) load(d js.Value) error {
	h.prog, h.x = nil, nil
	runtime.GC() // the previous model's shard goes before the next one arrives
	x, err := shard.New(d.Get("ctl"), d.Get("bufs"), d.Get("index").Int(), d.Get("count").Int())
	if err != nil {
		return err
	}
	x.Timeout = barrierTimeout
	// For static/worker.js: should this helper's Go program die (a crash,
	// out of memory), it calls this to fail the exchange, so that the
	// other shards do not wait for it.
	js.Global().Set("convscopeShardFail", x.FailFunc())
	keepJS := d.Get("keep")
	keep := make([]string, keepJS.Length())
	for i := range keep {
		keep[i] = keepJS.Index(i).String()
	}
	file := d.Get("file")
	prog, input, err := compileShard(file, keep, x)
	if err != nil {
		return fmt.Errorf("shard %d: %v", d.Get("index").Int(), err)
	}
	h.x, h.prog, h.input = x, prog, input
	return nil
}

// compileShard compiles this helper's shard of the model file (a
// Uint8Array) with Options.Keep keep, and returns the name of its input.
// Every helper compiles through here. jsmodel reads the file from
// JavaScript tensor by tensor: only this shard's part of the split weights
// (and the tensors kept whole) enters the helper's WebAssembly memory.
func compileShard(file js.Value, keep []string, x *shard.Exchange) (*engine.Program, string, error) {
	p, meta, err := jsmodel.CompileShard(file, engine.Options{Keep: keep, Shard: x.Shard()})
	if err != nil {
		return nil, "", err
	}
	if len(meta.Inputs) != 1 {
		return nil, "", fmt.Errorf("the model has %d inputs, want 1", len(meta.Inputs))
	}
	return p, meta.Inputs[0].Name, nil
}

func (h *helperState) run(d js.Value) error {
	if h.prog == nil {
		return errors.New("no model loaded")
	}
	h.x.Reset()
	shapeJS := d.Get("shape")
	shape := make([]int, shapeJS.Length())
	for i := range shape {
		shape[i] = shapeJS.Index(i).Int()
	}
	t, err := engine.NewTensor(shape...)
	if err != nil {
		return err
	}
	in := d.Get("input")
	if in.Get("length").Int() != 4*len(t.Data) {
		return fmt.Errorf("input of %d bytes for shape %v", in.Get("length").Int(), shape)
	}
	js.CopyBytesToGo(shard.FloatBytes(t.Data), in)
	// What the session keeps is of no use here: every kept value is handed
	// back as the run goes, so a helper holds no more than the run needs.
	_, err = h.prog.RunWith(map[string]*engine.Tensor{h.input: t}, engine.RunOptions{Consume: func(string, *engine.Tensor) bool { return true }})
	return err
}
