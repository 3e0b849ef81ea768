package conv

// WebAssembly's four-tile Winograd input transform (winoinput_wasm.s) is
// written by a generator (its four patch rows are the same code on other
// registers). The directive lives in this file, built everywhere, so that
// the plain `go generate ./...` of any platform rewrites it and CI's drift
// check sees it; the generator runs on the host (GOOS= GOARCH=).
//go:generate env GOOS= GOARCH= go run gen_winoinput_wasm.go
