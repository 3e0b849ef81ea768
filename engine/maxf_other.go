//go:build !wasm

package engine

// maxf is Go's max(x, y) on float32; outside WebAssembly the builtin is
// compiled inline (see maxf_wasm.go).
func maxf(x, y float32) float32 { return max(x, y) }
