package gemm

// WebAssembly's assembly kernels are written by generators (each repeats
// one row's code on other registers): the register tile
// (kernel_wasm_simd4x8.s) and DotQ4's loop (dotq4_wasm_simd.s). The
// directives live in this file, built everywhere, so that the plain
// `go generate ./...` of any platform rewrites them and CI's drift check
// sees them; the generators run on the host (GOOS= GOARCH=).
//go:generate env GOOS= GOARCH= go run gen_kernel_wasm.go
//go:generate env GOOS= GOARCH= go run gen_dotq4_wasm.go
