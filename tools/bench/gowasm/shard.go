//go:build js && wasm

package main

// The sharded engine of `bench -browser`'s all-cores row: one instance of
// this program per core, each in its own Web Worker, every conv and fc
// layer split between them by output channels, or a conv with few weights
// by bands of output rows (engine.Shard), the parts
// exchanged through SharedArrayBuffers by package wasm/shard (the app's
// engine worker and its helpers use the same). The page creates the
// buffers and posts them to every worker (tools/bench/web/bench.js).

import (
	"syscall/js"

	"convscope/engine"
	"convscope/models/modelfile"
	"convscope/wasm/jsmodel"
	"convscope/wasm/shard"
)

// compileShard compiles shard index of count from the model file that JS
// holds in file (a Uint8Array), exchanging over ctl and bufs (see package
// shard). It reads the file slice by slice (jsmodel.CompileShard, as the
// app's workers do): only this shard's part of the split weights and the
// tensors kept whole enter wasm memory, which never shrinks, never the
// whole file.
func compileShard(file, ctl, bufs js.Value, index, count int) (*loaded, *modelfile.Meta, error) {
	x, err := shard.New(ctl, bufs, index, count)
	if err != nil {
		return nil, nil, err
	}
	p, meta, err := jsmodel.CompileShard(file, engine.Options{Workers: 1, Shard: x.Shard()})
	if err != nil {
		return nil, nil, err
	}
	// For gobench_worker.js, should this shard fail outside Go.
	js.Global().Set("convscopeShardFail", x.FailFunc())
	return &loaded{p: p, x: x}, meta, nil
}
