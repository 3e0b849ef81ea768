//go:build !wasm

package vec

// Maxf is Go's max(x, y) on float32; outside WebAssembly the builtin is
// compiled inline (see maxf_wasm.go).
func Maxf(x, y float32) float32 { return max(x, y) }
