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
	// A file chosen in the file inputs (#file-input, #camera-input) is
	// posted to the engine worker here, in the change event's capture
	// phase, before the app's own listener (wasm/app, listenForFiles) runs:
	// the app armed the request (window.convscopeNextPick: the worker, the
	// Classify's JSON and id, the largest file it takes; see armPick in
	// wasm/app/worker.go) and takes it over from window.convscopePicked.
	// Entering Go and posting from there took 1.9-2.5 ms from the change
	// event, this 1.2-1.4 (session 19's traces). A file the app would not
	// classify (empty or too large) is left to the app, as is everything
	// when no request is armed.
	document.addEventListener("change", (e) => {
		const next = window.convscopeNextPick, el = e.target;
		if (!next || !el || (el.id !== "file-input" && el.id !== "camera-input") || !el.files || el.files.length === 0) return;
		const file = el.files[0];
		if (file.size === 0 || file.size > next.max) return;
		next.worker.postMessage({json: next.json, file: file});
		window.convscopeNextPick = null;
		window.convscopePicked = {file: file, id: next.id};
	}, true);
	// window.convscopeShowResult(run, timing, caption, viewURL, ...top) is
	// the app's Host.ShowResult (wasm/app/host.go, which documents what it
	// does): the DOM writes of a result shown before the full render, in
	// one call from Go. Written in Go, each of its ~75 DOM reads and writes
	// was a syscall/js call: 1.15-1.26 ms of the page's main thread between
	// a pick's answer and its top-5 (session 18's trace, CIFAR-10 picks in
	// Chromium). The arguments are web.ShownResult's strings: #top5's
	// data-run, #timing, the view's caption and URL, then four strings a
	// row of #top5 (its data-index, data-prob, label and percentage). The
	// answer says whether the page showed them.
	window.convscopeShowResult = function (run, timingText, captionText, viewURL, ...top) {
		const byId = (id) => document.getElementById(id);
		if (byId("download")) return false;
		const ol = byId("top5"), timing = byId("timing"), view = byId("view");
		const caption = document.querySelector(".view figcaption");
		if (!ol || !timing || !view || !caption) return false;
		const rows = ol.children;
		if (top.length % 4 !== 0 || rows.length !== top.length / 4) return false;
		const els = [];
		for (let i = 0; i < rows.length; i++) {
			const li = rows[i];
			const e = {li: li, label: li.querySelector(".label"), bar: li.querySelector("progress.bar"), prob: li.querySelector(".prob")};
			if (!e.label || !e.bar || !e.prob) return false;
			els.push(e);
		}
		for (const id of ["run", "reading", "cancel", "alert", "notice"]) {
			const el = byId(id);
			if (el) el.hidden = true;
		}
		for (let i = 0; i < els.length; i++) {
			const e = els[i], index = top[4 * i], prob = top[4 * i + 1];
			e.li.setAttribute("data-index", index);
			e.li.setAttribute("data-prob", prob);
			e.label.textContent = top[4 * i + 2];
			e.bar.setAttribute("value", prob);
			e.prob.textContent = top[4 * i + 3];
		}
		ol.setAttribute("data-run", run);
		view.setAttribute("src", viewURL);
		caption.textContent = captionText;
		timing.textContent = timingText;
		return true;
	};
	const go = new Go();
	// Relative URL: the app works from any base path (a static export).
	WebAssembly.instantiateStreaming(fetch("app.wasm"), go.importObject)
		.then((result) => go.run(result.instance))
		.catch((err) => fail(String(err)));
})();
