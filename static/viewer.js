// Starts viewer.wasm (the Ebiten feature-map viewer, package wasm/viewer).
// Kept out of viewer.html because the Content-Security-Policy forbids inline
// scripts. Messages that arrive while the wasm is still loading are queued in
// window.convscopeViewer.queue; the Go side handles them when it starts and
// then takes over through convscopeViewer.deliver (it checks each event's
// origin itself).
"use strict";
(function () {
	const hook = { queue: [], deliver: null };
	window.convscopeViewer = hook;
	window.addEventListener("message", (ev) => {
		if (hook.deliver) {
			hook.deliver(ev);
		} else {
			hook.queue.push(ev);
		}
	});
	function fail(msg) {
		console.error("convscope viewer: " + msg);
		if (window.parent !== window) {
			window.parent.postMessage({ type: "error", message: "the viewer could not start: " + msg }, location.origin);
		}
	}
	if (typeof WebAssembly !== "object" || typeof Go !== "function") {
		fail("this browser has no WebAssembly support");
		return;
	}
	const go = new Go();
	// Relative URL: works from any base path (a static export).
	WebAssembly.instantiateStreaming(fetch("viewer.wasm"), go.importObject)
		.then((result) => go.run(result.instance))
		.catch((err) => fail(String(err)));
})();
