#!/usr/bin/env bash
# Runs every test of ConvScope: first scripts/setup.sh (installs Chromium,
# the ONNX test data and the bench's npm packages, only when missing; set
# CONVSCOPE_SKIP_SETUP=1 to skip it), then all packages natively with the SIMD
# kernels (including the headless-Chromium browser tests and the server's
# load test), the engine again in a plain build, then the engine,
# preprocessing, lessons, charts, worker session, shard exchange and JS
# model-reader tests compiled to WebAssembly and run by
# Node through go_js_wasm_exec, with and without SIMD, and the engine once
# more in the relaxed-SIMD build (-tags convscope_relaxed, through
# scripts/relaxed_wasm_exec). Ends with go test's own summary lines.
#
# Extra arguments go to both go test runs (for example -run, -count=1).
set -uo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"

goroot="$(go env GOROOT)"
# go test runs GOOS=js binaries with go_js_wasm_exec, which lives here.
export PATH="$goroot/lib/wasm:$PATH"

if [ "${CONVSCOPE_SKIP_SETUP:-0}" != 1 ]; then
	bash scripts/setup.sh
fi

status=0

# Natively, everything runs with the SIMD kernels (GOEXPERIMENT=simd), as the
# command line and server are meant to be built; the gemm tests run every
# kernel the CPU has, the generic one included. The engine then runs again
# in a plain build, where the SIMD files are not compiled at all.
echo "== GOEXPERIMENT=simd go test ./... (native, SIMD kernels)"
GOEXPERIMENT=simd go test -timeout 25m "$@" ./... || status=1

echo "== go test ./engine/... (native, plain build)"
go test -timeout 15m "$@" ./engine/... || status=1

echo "== GOOS=js GOARCH=wasm go test ./engine/... ./models/preprocess/... ./web/{protocol,lessons,chart} ./wasm/viewer/{colormap,grid} ./wasm/worker/session ./wasm/{shard,jsmodel} (Node)"
GOOS=js GOARCH=wasm go test -timeout 15m "$@" ./engine/... ./models/preprocess/... ./web/protocol ./web/lessons ./web/chart ./wasm/viewer/colormap ./wasm/viewer/grid ./wasm/worker/session ./wasm/shard ./wasm/jsmodel || status=1

echo "== GOEXPERIMENT=simd GOOS=js GOARCH=wasm go test ./engine/... (Node, SIMD kernels)"
GOEXPERIMENT=simd GOOS=js GOARCH=wasm go test -timeout 15m "$@" ./engine/... || status=1

# The relaxed-SIMD build (engine/internal/relaxed): its test binaries go
# through scripts/relaxed_wasm_exec, which fixes Go's encoding of the
# relaxed ops and runs Node with relaxed SIMD on.
echo "== GOEXPERIMENT=simd GOOS=js GOARCH=wasm go test -tags convscope_relaxed ./engine/... (Node, relaxed-SIMD build)"
GOEXPERIMENT=simd GOOS=js GOARCH=wasm go test -tags convscope_relaxed -exec "$PWD/scripts/relaxed_wasm_exec" -timeout 15m "$@" ./engine/... || status=1

exit $status
