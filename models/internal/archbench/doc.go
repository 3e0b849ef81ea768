// Package archbench benchmarks the engine on whole architectures (the
// classic ImageNet networks of issue 7, random weights, int8 as the app
// loads them), so that a CPU profile of a real pass can be taken without
// onnxruntime:
//
//	GOEXPERIMENT=simd go test ./models/internal/archbench -run '^$' \
//	    -bench 'Arch/googlenet/w2' -benchtime 10x -cpuprofile cpu.out
//
// It lives under models/internal because it imports models (which imports
// engine): engine must not depend on models. Nothing imports it.
//
// This file gives the package a non-test file, so that `go build` and
// `go list` of every package (as .ci/run does for GOOS=js) accept it.
package archbench
