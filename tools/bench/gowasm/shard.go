//go:build js && wasm

package main

// The sharded engine of `bench -browser`'s all-cores row: one instance of
// this program per core, each in its own Web Worker, every conv and fc
// layer split between them by output channels (engine.Shard), the parts
// exchanged through SharedArrayBuffers by package wasm/shard (the app's
// engine worker and its helpers use the same). The page creates the
// buffers and posts them to every worker (tools/bench/web/bench.js).

import (
	"syscall/js"

	"convscope/engine"
	"convscope/models/modelfile"
	"convscope/wasm/shard"
)

// compileShard compiles shard index of count from the model file data,
// exchanging over ctl and bufs (see package shard).
// It decodes with modelfile.DecodeGraph, not models.LoadBytes, which
// compiles a whole program too with every weight packed. The graph's int8
// weights are views of data; the sharded program copies what it keeps, so
// the caller drops data (and the graph, once it has read the input's and
// output's names) and only this shard's part of the weights stays.
func compileShard(data []byte, ctl, bufs js.Value, index, count int) (*loaded, *engine.Graph, error) {
	x, err := shard.New(ctl, bufs, index, count)
	if err != nil {
		return nil, nil, err
	}
	_, g, err := modelfile.DecodeGraph(data)
	if err != nil {
		return nil, nil, err
	}
	p, err := engine.Compile(g, engine.Options{Workers: 1, Shard: x.Shard()})
	if err != nil {
		return nil, nil, err
	}
	return &loaded{p: p, x: x}, g, nil
}
