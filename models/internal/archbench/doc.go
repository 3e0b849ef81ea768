// Package archbench benchmarks the engine on whole architectures (the
// classic ImageNet networks of issue 7, random weights, int8 as the app
// loads them), so that a CPU profile of a real pass can be taken without
// onnxruntime:
//
//	GOEXPERIMENT=simd go test ./models/internal/archbench -run '^$' \
//	    -bench 'Arch/googlenet/w2' -benchtime 10x -cpuprofile cpu.out
//
// TestLayerProfile times every node of a pass instead (natively or in
// Node), driven by environment variables: ARCHBENCH_PROFILE (the
// architectures), ARCHBENCH_RUNS (passes), ARCHBENCH_WORKERS (worker
// counts, e.g. "1,2": one column per count, their passes taking turns,
// each node's ratio between the first and the last, and natively each
// node's CPU time over all threads and wait for helpers, from
// engine.TraceParallel) and ARCHBENCH_ONNX_DIR
// (write the same models as ONNX for onnxruntime's own profile):
//
//	ARCHBENCH_PROFILE=resnet50 ARCHBENCH_WORKERS=1,2 ARCHBENCH_RUNS=15 \
//	    GOEXPERIMENT=simd go test ./models/internal/archbench \
//	    -run TestLayerProfile -v
//
// With two or more workers natively, the branches of GoogLeNet's
// inception blocks run at once (the engine's inter-op schedule): their
// nodes' times overlap, so in those columns the sum of nodes can exceed
// the pass and "outside nodes" can be negative. The pass is the figure to
// read there; the one-worker column times each node alone.
//
// It lives under models/internal because it imports models (which imports
// engine): engine must not depend on models. Nothing imports it.
//
// This file gives the package a non-test file, so that `go build` and
// `go list` of every package (as .ci/run does for GOOS=js) accept it.
package archbench
