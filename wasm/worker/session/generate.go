package session

// scancopy_wasm_simd.s is written by gen_scancopy_wasm.go (its two loops
// differ only in the copy). The directive lives in this file, built
// everywhere, so that the plain `go generate ./...` of any platform
// rewrites it and CI's drift check sees it; the generator runs on the
// host (GOOS= GOARCH=).
//go:generate env GOOS= GOARCH= go run gen_scancopy_wasm.go
