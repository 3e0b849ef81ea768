#!/usr/bin/env bash
# Installs what ConvScope's tests need from Debian, only if missing:
#   chromium          headless browser for the browser tests (internal/browsertest)
#   libonnx-testdata  ONNX backend node tests (engine/onnx conformance test)
#   brotli            command-line brotli, to inspect the precompressed files
# Node.js (for GOOS=js GOARCH=wasm go test through go_js_wasm_exec) is
# expected to be there already; it is installed too if it is not.
# Safe to run again: it does nothing when everything is installed.
set -euo pipefail

want=(chromium libonnx-testdata brotli)
command -v node >/dev/null 2>&1 || want+=(nodejs)

missing=()
for pkg in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: everything is installed (${want[*]})"
	exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
