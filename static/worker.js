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

// The engine comes in two builds: worker-relaxed.wasm multiplies-adds with
// relaxed SIMD (f32x4.relaxed_madd, FMA; faster), worker.wasm with f32x4.mul
// then f32x4.add. A module with a relaxed op does not even validate where
// relaxed SIMD is missing (Safari), so the relaxed build loads only when the
// browser validates this one: (func (param v128 v128 v128) (result v128)
// (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))).
const relaxedProbe = new Uint8Array([
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
	0x03, 0x02, 0x01, 0x00, // function 0 has type 0
	0x0a, 0x0d, 0x01, 0x0b, 0x00, // code: one body of 11 bytes, no locals
	0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
	0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
	0x0b, // end
]);
function relaxedSupported() {
	try {
		return WebAssembly.validate(relaxedProbe);
	} catch (e) {
		return false;
	}
}

// Which build: "?build=plain" or "?build=relaxed" on this script's URL
// decides (the engine worker passes its own choice to its helper workers,
// which must run the same build or a split run would not give one worker's
// bits; the page passes ?build=plain when its own URL has ?engine=plain, see
// wasm/app/worker.go); else the relaxed build where the browser has relaxed
// SIMD. self.convscopeBuild tells wasm/worker which one runs.
function chooseBuild() {
	if (new URL(self.location.href).searchParams.get("build") === "plain") return "plain";
	return relaxedSupported() ? "relaxed" : "plain";
}

if (typeof WebAssembly !== "object" || typeof Go !== "function") {
	startFailed("this browser has no WebAssembly support");
} else {
	const build = chooseBuild();
	self.convscopeBuild = build;
	const file = build === "relaxed" ? "worker-relaxed.wasm" : "worker.wasm";
	if (!isHelper) {
		console.info("convscope worker: engine build " + build + " (" + file + ")");
	}
	const go = new Go();
	// Relative to this script, so the app works under any base path.
	WebAssembly.instantiateStreaming(fetch(file), go.importObject)
		.then((result) => {
			// The worker reports its memory's size (see wasm/worker/memory.go).
			self.convscopeWasmMemory = result.instance.exports.mem;
			return go.run(result.instance);
		})
		.then(() => isHelper && self.convscopeShardFail ? helperDied("its Go program exited (see the console)") : startFailed("the engine stopped"))
		.catch(startFailed);
}
