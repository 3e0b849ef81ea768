#!/usr/bin/env bash
# Installs what ConvScope's tests need from Debian, only if missing:
#   chromium          headless browser for the browser tests (internal/browsertest)
#   libonnx-testdata  ONNX backend node tests (engine/onnx conformance test)
#   brotli            command-line brotli, to inspect the precompressed files
# Node.js (for GOOS=js GOARCH=wasm go test through go_js_wasm_exec, and npm)
# is expected to be there already; it is installed too if it is not.
# Then the reference runtimes of `bench` (onnxruntime-node and -web) from
# npm into tools/bench/node_modules, with --ignore-scripts (their post-install
# step downloads from elsewhere, which fails here; the packages work without).
# Safe to run again: it does nothing when everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(chromium libonnx-testdata brotli)
command -v node >/dev/null 2>&1 || want+=(nodejs)

missing=()
for pkg in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: Debian packages installed (${want[*]})"
else
	echo "setup: installing ${missing[*]}"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		sudo="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f tools/bench/package-lock.json ]; then
	if [ -d tools/bench/node_modules/onnxruntime-node ] && [ -d tools/bench/node_modules/onnxruntime-web ]; then
		echo "setup: npm packages of tools/bench installed"
	else
		echo "setup: npm ci --ignore-scripts in tools/bench"
		(cd tools/bench && npm ci --ignore-scripts --no-audit --no-fund)
	fi
fi
