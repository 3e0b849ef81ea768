//go:build js

package main

import (
	"runtime"
	"syscall/js"

	"convscope/web/protocol"
)

// memory returns the worker's memory for Loaded and Result: the size of its
// WebAssembly memory, which static/worker.js hands over as
// self.convscopeWasmMemory (Go cannot read it itself; a WebAssembly memory
// never shrinks, so this is the peak so far), and the Go runtime's Sys as a
// cross-check. Wasm is 0 when worker.js did not set the memory (an older
// cached worker.js).
func memory() *protocol.Memory {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := &protocol.Memory{GoSys: int64(ms.Sys)}
	if mem := js.Global().Get("convscopeWasmMemory"); mem.Type() == js.TypeObject {
		m.Wasm = int64(mem.Get("buffer").Get("byteLength").Float())
	}
	return m
}
