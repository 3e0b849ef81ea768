package conv

// WebAssembly's four-tile Winograd input transform (winoinput_wasm.s),
// its F(4x4) transforms (wino4_wasm.s) and the direct path's AVX-512
// kernels (direct_amd64.s) are written by generators (the transform's
// patch rows, and the kernels' rows in their store step, are the same
// code on other registers). The directives live in this file, built
// everywhere, so that the plain `go generate ./...` of any platform
// rewrites them and CI's drift check sees them; the
// generators run on the host (GOOS= GOARCH=).
//go:generate env GOOS= GOARCH= go run gen_winoinput_wasm.go
//go:generate env GOOS= GOARCH= go run gen_direct_amd64.go
//go:generate env GOOS= GOARCH= go run gen_wino4_wasm.go
