//go:build js && wasm

// Package jsmodel reads model files that JavaScript holds (a Uint8Array or
// an ArrayBuffer, as fetch or the Cache API deliver them) without copying
// them whole into WebAssembly memory, which never shrinks: a worker that
// runs one shard of a model (engine.Shard) copies in only its slice of the
// weights. The app's engine worker and its helpers (wasm/worker) and the
// all-cores row of `bench -browser` (tools/bench/gowasm) compile their
// shards with CompileShard.
package jsmodel

import (
	"fmt"
	"io"
	"syscall/js"

	"convscope/engine"
	"convscope/models/modelfile"
)

// ReaderAt reads a JavaScript Uint8Array (or ArrayBuffer) by copying only
// the bytes asked for into Go memory (js.CopyBytesToGo of a subarray).
type ReaderAt struct {
	a    js.Value // Uint8Array
	size int64
}

// NewReaderAt returns a ReaderAt over v, a Uint8Array or an ArrayBuffer.
// The bytes must not change while it is in use.
func NewReaderAt(v js.Value) (*ReaderAt, error) {
	switch {
	case v.InstanceOf(js.Global().Get("Uint8Array")):
	case v.InstanceOf(js.Global().Get("ArrayBuffer")), v.InstanceOf(js.Global().Get("SharedArrayBuffer")):
		v = js.Global().Get("Uint8Array").New(v)
	default:
		return nil, fmt.Errorf("model file: want a Uint8Array or an ArrayBuffer, got %s", v.Type())
	}
	return &ReaderAt{a: v, size: int64(v.Get("length").Int())}, nil
}

// Size is the number of bytes.
func (r *ReaderAt) Size() int64 { return r.size }

// ReadAt implements io.ReaderAt.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d", off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	n := js.CopyBytesToGo(p, r.a.Call("subarray", off, end))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// CompileShard compiles shard opt.Shard.Index of opt.Shard.Count (with its
// Gather, e.g. package wasm/shard's) from the model file JavaScript holds
// in file (a Uint8Array or an ArrayBuffer), reading it slice by slice
// (modelfile.CompileShard): the file stays in JavaScript memory, only
// this shard's part of the split weights (and the tensors kept whole)
// enters WebAssembly memory, and the whole file is checked (SHA-256)
// before anything is compiled. It returns the program and the file's
// metadata (inputs, outputs, labels). Count <= 1 compiles the whole model
// the same way, still without copying the file whole.
func CompileShard(file js.Value, opt engine.Options) (*engine.Program, *modelfile.Meta, error) {
	r, err := NewReaderAt(file)
	if err != nil {
		return nil, nil, err
	}
	return modelfile.CompileShard(r, r.Size(), opt)
}
