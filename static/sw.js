// ConvScope's service worker: after one visit the app works with the server
// stopped or the network gone. Registered by boot.js.
//
// - The app shell (every file of sw-manifest.json: the pages, the wasm
//   files, wasm_exec.js, scripts, styles, samples) is precached when this
//   worker installs, each file checked against its SHA-256, and served
//   cache-first. The build writes its version into BUILD below, so a new
//   build is a new sw.js: the browser installs it in the background on the
//   next visit, and the reload after that runs it (see navigate).
// - api/models is network-first with the last good answer as the fallback.
// - Model files (models/*.csm) are not touched here: the engine worker keeps
//   verified models in the Cache API itself (wasm/worker/load.go) and needs
//   the download's progress.
"use strict";

// Replaced by the build (build_sw.go) with the version of sw-manifest.json.
const BUILD = "@BUILD@";

// Cache names carry the scope, so that two copies of the app under different
// paths of one origin (two exports) never delete each other's files.
const scope = new URL(self.registration.scope);
const SHELL_PREFIX = "convscope-shell " + scope.pathname + " ";
const SHELL = SHELL_PREFIX + BUILD;
const API_CACHE = "convscope-api " + scope.pathname;
// The last entry an install puts in its build's cache: a cache without it
// is half written (an install that failed or was cut short, the browser
// closed, the worker stopped) and is never served nor handed over to. Its
// URL has a query, which shellKey never gives, so no request can match it.
const COMPLETE_KEY = scope.href + "?convscope-build-complete";

// How long api/models may take before the cached list is used instead (a
// network that swallows requests rather than refusing them).
const API_TIMEOUT_MS = 5000;
// Files fetched at once while precaching.
const PRECACHE_PARALLEL = 4;

// The page is stored under the scope's own URL ("./"), not index.html: static
// hosts answer index.html with a redirect to "./", and a redirected response
// cannot answer a navigation.
function shellKey(url) {
	const u = new URL(url);
	let key = u.origin + u.pathname;
	if (key === scope.href + "index.html") {
		key = scope.href;
	}
	return key;
}

// Headers that describe the bytes on the wire: the cached body is already
// decoded (brotli, gzip), so they no longer apply.
const WIRE_HEADERS = ["content-encoding", "content-length", "transfer-encoding", "vary"];

// The headers that make the page cross-origin isolated (SharedArrayBuffer);
// the app's server sends them with every file too (server.go).
const ISOLATION_HEADERS = [["cross-origin-opener-policy", "same-origin"], ["cross-origin-embedder-policy", "require-corp"]];

function hex(buf) {
	return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function precacheFile(cache, file) {
	// Each segment escaped: a sample named "a#1.jpg" is a file, not a fragment.
	const url = file.path === "index.html" ? scope.href : new URL(file.path.split("/").map(encodeURIComponent).join("/"), scope).href;
	// "no-cache" revalidates: the files the first visit just loaded come from
	// the HTTP cache after a 304 instead of being sent again.
	const resp = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
	if (!resp.ok) {
		throw new Error(`${file.path}: the server answered ${resp.status}`);
	}
	const body = await resp.arrayBuffer();
	const sum = hex(await crypto.subtle.digest("SHA-256", body));
	if (sum !== file.sha256) {
		// A half-deployed site (new files, old manifest or the reverse):
		// installing would mix two builds.
		throw new Error(`${file.path}: the server sent other bytes (SHA-256 ${sum}) than build ${BUILD} lists (${file.sha256})`);
	}
	const headers = new Headers(resp.headers);
	for (const h of WIRE_HEADERS) {
		headers.delete(h);
	}
	// Offline, the page must be cross-origin isolated as it is online (the
	// engine worker splits runs over helper workers only then, see
	// wasm/worker/helpers.go), also when a static host sent no such headers.
	for (const [h, v] of ISOLATION_HEADERS) {
		headers.set(h, v);
	}
	await cache.put(url, new Response(body, { status: 200, statusText: "OK", headers }));
}

async function precache() {
	const resp = await fetch(new URL("sw-manifest.json", scope).href, { cache: "no-store", credentials: "same-origin" });
	if (!resp.ok) {
		throw new Error(`sw-manifest.json: the server answered ${resp.status}`);
	}
	const manifest = await resp.json();
	if (manifest.version !== BUILD) {
		// The site changed between sw.js and the manifest: the next visit
		// tries again.
		throw new Error(`sw-manifest.json is of build ${manifest.version}, this service worker of build ${BUILD}`);
	}
	const cache = await caches.open(SHELL);
	const queue = manifest.files.slice();
	const worker = async () => {
		for (let f = queue.shift(); f; f = queue.shift()) {
			await precacheFile(cache, f);
		}
	};
	try {
		await Promise.all([keepModelList(), ...Array.from({ length: PRECACHE_PARALLEL }, worker)]);
		await cache.put(COMPLETE_KEY, new Response(BUILD));
	} catch (err) {
		queue.length = 0; // stop the other fetchers
		await caches.delete(SHELL); // never leave half a build behind
		console.error(`convscope service worker: build ${BUILD} not installed: ${err.message}`);
		throw err;
	}
}

// keepModelList stores api/models at install: the first visit fetched it
// before this worker controlled the page, and an offline visit needs it.
async function keepModelList() {
	const url = new URL("api/models", scope).href;
	try {
		const resp = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
		if (resp.ok) {
			await (await caches.open(API_CACHE)).put(url, resp);
		}
	} catch (err) {
		// Not fatal: the next online visit stores it (see networkFirst).
		console.warn(`convscope service worker: api/models not kept: ${err.message}`);
	}
}

self.addEventListener("install", (event) => {
	event.waitUntil(precache());
});

// Activation is kept short: while this worker is "activating", the browser
// holds every request of the pages it controls (the Service Worker spec's
// Handle Fetch waits for "activated"), and after an update the reloaded page
// is one of them: anything slow here (deleting the old build's 41 MB cache)
// would hold its engine worker's script, and the page stay on "Loading".
// So activation only claims the pages: the first visit's page (and its worker
// and viewer) are served from here from now on, so they keep working if the
// server goes away. The old builds' caches go afterwards (dropOtherBuilds),
// outside activation.
self.addEventListener("activate", (event) => {
	event.waitUntil(self.clients.claim());
	dropOtherBuilds();
});

// dropOtherBuilds deletes the shell caches of other builds, once this worker
// is the active one: started after activation, and again with every page
// load (a stopped worker may not have finished). One run at a time.
let dropping = null;
function dropOtherBuilds() {
	if (!dropping) {
		dropping = deleteOtherBuilds()
			.catch((err) => console.warn(`convscope service worker: old builds not deleted: ${err.message}`))
			.finally(() => {
				dropping = null;
			});
	}
	return dropping;
}

// deleteOtherBuilds deletes every shell cache but this build's, unless a
// newer worker is installing or waiting: its cache is one of them (being
// filled, or to be handed over to, see navigate) and which one is unknown
// here. Never while this worker still answers from one (handover).
async function deleteOtherBuilds() {
	for (const name of await caches.keys()) {
		const reg = self.registration;
		const me = self.serviceWorker; // (not in every browser yet)
		if (handover || (me && me.state !== "activating" && me.state !== "activated") || reg.installing || reg.waiting) {
			return;
		}
		if (name.startsWith(SHELL_PREFIX) && name !== SHELL) {
			await caches.delete(name);
		}
	}
}

// A waiting (newer) worker takes over when the one tab of the app reloads;
// see navigate.
self.addEventListener("message", (event) => {
	// skipWaiting does nothing in a worker that is already active.
	if (event.data && event.data.type === "convscope-activate") {
		self.skipWaiting();
	}
});

self.addEventListener("fetch", (event) => {
	const req = event.request;
	if (req.method !== "GET" || req.headers.has("range")) {
		return;
	}
	const url = new URL(req.url);
	if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) {
		return;
	}
	const rel = url.pathname.slice(scope.pathname.length);
	if (rel === "api/models") {
		event.respondWith(networkFirst(req));
		return;
	}
	if (rel.startsWith("api/") || rel.startsWith("models/") || rel === "healthz") {
		return; // the network, untouched
	}
	if (req.mode === "navigate" && req.destination === "document") {
		event.respondWith(navigate(req));
		event.waitUntil(dropOtherBuilds());
		return;
	}
	event.respondWith(fromShell(req));
});

// handover is the cache of the newer build once this worker has handed the
// tab over to it (see navigate): until this worker is replaced, the requests
// it still gets are answered from the newer build too, so the page never
// mixes two builds.
let handover = "";

// fromShell answers from the build's cache, else from the network (a file
// that is not part of the build).
// caches.match with cacheName reads a cache without creating it: a cache
// another worker has deleted is not brought back empty.
async function fromShell(req) {
	const hit = await caches.match(shellKey(req.url), { cacheName: handover || SHELL, ignoreVary: true });
	return hit || fetch(req);
}

// navigate answers a page load. When a newer build has installed (it waits:
// its files are all in its cache, checked) and this is the only tab of the
// app, the page is answered from the newer build's cache and the newer worker
// told to take over: the tab reloads into the new build. With other tabs
// open the newer build keeps waiting until they close, so that no running
// page gets files of another build. (This worker cannot wait for the newer
// one to activate here: activation waits for this fetch event to end.)
async function navigate(req) {
	const next = self.registration.waiting;
	if (next && !handover) {
		const tabs = (await self.clients.matchAll({ type: "window" })).filter((c) => c.frameType === "top-level");
		// Other builds whose install completed (a half-written cache is
		// never handed over to). More than one: which one the waiting worker
		// filled is unknown; keep this build.
		const newer = [];
		for (const name of await caches.keys()) {
			if (name.startsWith(SHELL_PREFIX) && name !== SHELL && (await caches.match(COMPLETE_KEY, { cacheName: name }))) {
				newer.push(name);
			}
		}
		if (tabs.length <= 1 && newer.length === 1) {
			const hit = await caches.match(shellKey(req.url), { cacheName: newer[0], ignoreVary: true });
			if (hit) {
				handover = newer[0];
				next.postMessage({ type: "convscope-activate" });
				return hit;
			}
		}
	}
	return fromShell(req);
}

// networkFirst serves api/models from the network and keeps the last good
// answer for offline visits. If the network fails, or takes longer than
// API_TIMEOUT_MS while a kept answer exists, the kept answer is used.
async function networkFirst(req) {
	const cache = await caches.open(API_CACHE);
	const key = shellKey(req.url);
	const network = fetch(req).then(async (resp) => {
		if (resp.ok) {
			await cache.put(key, resp.clone());
		}
		return resp;
	});
	const kept = await cache.match(key);
	if (!kept) {
		return network;
	}
	const timeout = new Promise((resolve) => setTimeout(() => resolve(null), API_TIMEOUT_MS));
	try {
		const resp = await Promise.race([network, timeout]);
		if (resp && resp.status < 500) {
			return resp;
		}
	} catch (err) {
		// Offline: fall through to the kept answer.
	}
	network.catch(() => {}); // a late failure is expected offline
	return kept;
}
