// Web Worker of `convscope bench -browser`: runs the Go engine (gobench.wasm,
// built from tools/bench/gowasm) on one model file, as the app's engine worker
// does, and posts back {times_ms, output, peak_bytes} or {error}.
importScripts('/files/wasm_exec.js');

onmessage = async (e) => {
  try {
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch('/files/gobench.wasm'), go.importObject);
    go.run(instance); // main registers convscopeBench and waits
    const resp = await fetch(e.data.url);
    if (!resp.ok) throw new Error(`${e.data.url}: ${resp.status}`);
    const file = new Uint8Array(await resp.arrayBuffer());
    const res = JSON.parse(self.convscopeBench(file, e.data.runs));
    res.peak_bytes = instance.exports.mem.buffer.byteLength;
    postMessage(res);
  } catch (err) {
    postMessage({ error: String(err && err.stack || err) });
  }
};
