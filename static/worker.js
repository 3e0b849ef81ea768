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

// A helper worker (started by the engine worker under a name beginning
// with "convscope-helper ", see wasm/worker/helpers.go) runs one shard of a
// split model in lockstep with the others, which wait for it in a barrier.
// Should it die (an exception out of its WebAssembly, Go's fatal errors such
// as out of memory, a request it cannot read), it must not leave them
// waiting: it calls the function wasm/shard made to fail the exchange
// (Exchange.FailFunc, JavaScript only, so it works with Go dead), which
// releases every shard at once, and answers its request with the reason.
// Only once: a dead helper is dropped.
const isHelper = String(self.name).startsWith("convscope-helper ");
let helperDead = false;
function helperDied(why) {
	if (helperDead) return;
	helperDead = true;
	const fail = self.convscopeShardFail; // set by the helper's load
	if (fail) fail();
	self.postMessage({error: "the helper stopped: " + why, died: true});
}
if (isHelper) {
	self.addEventListener("error", (e) => helperDied(String(e.message || "an uncaught exception")));
	self.addEventListener("messageerror", () => helperDied("a request could not be read"));
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
		.then(() => isHelper && self.convscopeShardFail ? helperDied("its Go program exited (see the console)") : startFailed("the engine stopped"))
		.catch(startFailed);
}
