// Package workerjs holds the JavaScript that drives the app's engine
// worker (static/worker.js) through the worker protocol (web/protocol's
// plain JS form), for pages the app itself never serves: the browser
// tests' harnesses and `bench -browser -app`. Each harness prepends Client
// to its own script, so the protocol's client side is written once.
package workerjs

// Client defines, in strict mode, two functions:
//
//   - workerClient(url, onMessage) starts a Worker from url and returns
//     {worker, ready, request, cancel, send, terminate}. ready resolves
//     with the worker's "ready" message, or rejects on a worker error or an
//     error that answers no request. request(type, body, bytes, onEvent)
//     sends {type, id, ...body} with bytes (a Uint8Array, transferred) and
//     returns {id, done}: the messages for that id before its final answer
//     (a type of finals) go to onEvent(m, id), and done resolves with the
//     final one. cancel(id) cancels a request; send(json) posts a message
//     as written and resolves with the first answer to its id. A message's
//     payload arrives as m.buf, a Uint8Array; onMessage, when set, sees
//     every message first.
//   - base64Bytes(b64) is the Uint8Array of a base64 string (the harnesses
//     get images from Go that way).
const Client = `"use strict";
function workerClient(url, onMessage) {
	const finals = ["loaded", "result", "maps", "patches", "heatmap", "slides", "error"];
	const waiting = new Map();
	let nextID = 1;
	const worker = new Worker(url);
	const ready = new Promise((resolve, reject) => {
		worker.onmessage = (e) => {
			const m = JSON.parse(e.data.json);
			if (e.data.buf) m.buf = new Uint8Array(e.data.buf);
			if (onMessage) onMessage(m);
			if (m.type === "ready") { resolve(m); return; }
			const w = waiting.get(m.id);
			if (w) w(m);
			else if (m.type === "error") reject(new Error(m.message));
		};
		worker.onerror = (e) => reject(new Error("worker error: " + e.message));
	});
	function request(type, body, bytes, onEvent) {
		const id = nextID++;
		const msg = {json: JSON.stringify(Object.assign({type: type, id: id}, body))};
		const transfer = [];
		if (bytes) { msg.buf = bytes.buffer; transfer.push(bytes.buffer); }
		const done = new Promise((resolve) => {
			waiting.set(id, (m) => {
				if (finals.includes(m.type)) { waiting.delete(id); resolve(m); return; }
				if (onEvent) onEvent(m, id);
			});
		});
		worker.postMessage(msg, transfer);
		return {id: id, done: done};
	}
	function send(json) {
		const id = JSON.parse(json).id;
		const p = new Promise((resolve) => waiting.set(id, (m) => { waiting.delete(id); resolve(m); }));
		worker.postMessage({json: json});
		return p;
	}
	const cancel = (id) => worker.postMessage({json: JSON.stringify({type: "cancel", id: id})});
	return {worker: worker, ready: ready, request: request, cancel: cancel, send: send, terminate: () => worker.terminate()};
}
function base64Bytes(b64) {
	const bin = atob(b64);
	const u = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
	return u;
}
`
