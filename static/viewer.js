// Starts viewer.wasm (the Ebiten feature-map viewer, package wasm/viewer).
// Kept out of viewer.html because the Content-Security-Policy forbids inline
// scripts. Messages that arrive while the wasm is still loading are queued in
// window.convscopeViewer.queue; the Go side handles them when it starts and
// then takes over through convscopeViewer.deliver (it checks each event's
// origin itself).
"use strict";
(function () {
	const hook = { queue: [], deliver: null, idle: false, parked: null, wake: null };
	window.convscopeViewer = hook;
	// The viewer's game loop (Ebiten, wasm/viewer/main.go) asks for an
	// animation frame on every frame, and each of them resumes the Go
	// program (0.4 ms of the page's main thread, which this same-origin
	// iframe shares) only to find nothing to do. While the Go side says it
	// is idle, the loop's request is parked here instead; wake() (the Go
	// side, when a message or held input needs a frame) passes it on.
	// Ebiten reads window.requestAnimationFrame when the Go program starts,
	// after this script.
	const raf = window.requestAnimationFrame.bind(window);
	window.requestAnimationFrame = (cb) => {
		if (hook.idle) {
			hook.parked = cb;
			return 0;
		}
		return raf(cb);
	};
	hook.wake = () => {
		hook.idle = false;
		const cb = hook.parked;
		if (cb) {
			hook.parked = null;
			raf(cb);
		}
	};
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
