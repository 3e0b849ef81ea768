// Test host for the viewer: records every message the viewer posts, and
// posts the test's messages to it (byte fields arrive base64-encoded, as Go's
// encoding/json writes []byte, and become Uint8Arrays here).
"use strict";
window.viewerMessages = [];
window.addEventListener("message", (ev) => {
	if (ev.origin === location.origin) {
		// at: when it arrived, to time the viewer against lastPost.
		window.viewerMessages.push(Object.assign({ at: performance.now() }, ev.data));
	}
});

function bytes(b64) {
	const s = atob(b64);
	const out = new Uint8Array(s.length);
	for (let i = 0; i < s.length; i++) {
		out[i] = s.charCodeAt(i);
	}
	return out;
}

window.postToViewer = function (msg) {
	if (typeof msg.data === "string") {
		msg.data = bytes(msg.data);
	}
	if (typeof msg.rgba === "string") {
		msg.rgba = bytes(msg.rgba);
	}
	if (msg.image && typeof msg.image.rgba === "string") {
		msg.image.rgba = bytes(msg.image.rgba);
	}
	window.lastPost = performance.now();
	document.getElementById("viewer").contentWindow.postMessage(msg, location.origin);
	return true;
};

// forgeFromOtherOrigin delivers msg to the viewer as if another site had
// posted it: the viewer must ignore it.
window.forgeFromOtherOrigin = function (msg) {
	if (typeof msg.data === "string") {
		msg.data = bytes(msg.data);
	}
	const w = document.getElementById("viewer").contentWindow;
	w.dispatchEvent(new w.MessageEvent("message", { data: msg, origin: "http://evil.example" }));
	return true;
};
