//go:build !unix

package main

// pause and resume do nothing where there is no SIGSTOP: onnxruntime's
// spinning threads may then take a core from the Go engine's runs between
// its own (see bench_native_unix.go).
func (r *nodeRunner) pause() error  { return nil }
func (r *nodeRunner) resume() error { return nil }
