// Command wasmrelax fixes the relaxed-SIMD instructions of the WebAssembly
// modules named on its command line in place (convscope/internal/wasmrelax)
// and prints how many it fixed. scripts/relaxed_wasm_exec runs it on each
// test binary of the relaxed-SIMD build before Node runs it.
package main

import (
	"fmt"
	"os"

	"convscope/internal/wasmrelax"
)

func main() {
	for _, f := range os.Args[1:] {
		n, err := wasmrelax.FixFile(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "wasmrelax: %s: %v\n", f, err)
			os.Exit(1)
		}
		if os.Getenv("WASMRELAX_VERBOSE") != "" {
			fmt.Fprintf(os.Stderr, "wasmrelax: %s: %d relaxed ops\n", f, n)
		}
	}
}
