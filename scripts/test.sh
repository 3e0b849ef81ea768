#!/usr/bin/env bash
# Runs every test of ConvScope: all packages natively (including the
# headless-Chromium browser tests and the server's load test), then the
# engine and preprocessing tests compiled to WebAssembly and run by Node
# through go_js_wasm_exec. Ends with go test's own summary lines.
#
# Extra arguments go to both go test runs (for example -run, -count=1).
set -uo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"

goroot="$(go env GOROOT)"
# go test runs GOOS=js binaries with go_js_wasm_exec, which lives here.
export PATH="$goroot/lib/wasm:$PATH"

status=0

echo "== go test ./... (native)"
go test -timeout 25m "$@" ./... || status=1

echo "== GOOS=js GOARCH=wasm go test ./engine/... ./models/preprocess/... (Node)"
GOOS=js GOARCH=wasm go test -timeout 15m "$@" ./engine/... ./models/preprocess/... || status=1

exit $status
