// Starts worker.wasm (package wasm/worker), the engine of the app, inside a
// dedicated Web Worker: `new Worker("worker.js")`. The page and the worker
// talk through the messages of package web/protocol ({json, buf}).
"use strict";
importScripts("wasm_exec.js");

// Messages the page posts while the wasm is still compiling are kept here;
// the Go side replaces onmessage and takes them in order when it starts.
self.convscopePending = [];
self.onmessage = (e) => self.convscopePending.push(e.data);

function startFailed(err) {
	const message = "the engine could not start: " + String(err && err.message ? err.message : err);
	console.error("convscope worker: " + message);
	self.postMessage({json: JSON.stringify({type: "error", id: 0, code: "internal", message: message})});
}

if (typeof WebAssembly !== "object" || typeof Go !== "function") {
	startFailed("this browser has no WebAssembly support");
} else {
	const go = new Go();
	// Relative to this script, so the app works under any base path.
	WebAssembly.instantiateStreaming(fetch("worker.wasm"), go.importObject)
		.then((result) => {
			// The worker reports its memory's size (see wasm/worker/memory.go).
			self.convscopeWasmMemory = result.instance.exports.mem;
			return go.run(result.instance);
		})
		.then(() => startFailed("the engine stopped"))
		.catch(startFailed);
}
