// Starts app.wasm (the Vugu app, package wasm/app). Kept out of index.html
// because the Content-Security-Policy forbids inline scripts.
"use strict";
(function () {
	const status = document.getElementById("boot-status");
	function fail(msg) {
		if (status) {
			status.textContent = "ConvScope could not start: " + msg;
			status.classList.add("error");
		}
		console.error("convscope: " + msg);
	}
	if (typeof WebAssembly !== "object" || typeof Go !== "function") {
		fail("this browser has no WebAssembly support.");
		return;
	}
	// Offline use: the service worker (sw.js) keeps the app for the next
	// visit. Registered after the page has loaded so that it does not compete
	// with the wasm for the network; only in secure contexts (https,
	// localhost), where browsers offer it at all.
	if ("serviceWorker" in navigator) {
		window.addEventListener("load", () => {
			navigator.serviceWorker.register("sw.js").catch((err) => {
				console.warn("convscope: offline use is not available: " + err);
			});
		});
	}
	const go = new Go();
	// Relative URL: the app works from any base path (a static export).
	WebAssembly.instantiateStreaming(fetch("app.wasm"), go.importObject)
		.then((result) => go.run(result.instance))
		.catch((err) => fail(String(err)));
})();
