// Web Worker of `convscope bench -browser`: one instance of the Go engine
// (gobench.wasm, built from tools/bench/gowasm), driven by the page run by
// run. Messages, each answered by one message ({error} on failure):
//   {cmd: 'load', url, index, count, ctl, bufs} -> {}: load and compile the
//     model file; count > 1 makes this worker shard index of count (the
//     engine split over count workers), ctl and bufs being SharedArrayBuffers
//     shared by the shards;
//   {cmd: 'run', timed} -> {ms, gathers, gather_ms, wait_ms}: one run (timed:
//     counted in the profile);
//   {cmd: 'result'} -> {output, profile, peak_bytes}: the last run's logits,
//     the mean time of every node over the timed runs (compute, gather
//     copies, barrier wait) and the size of the WebAssembly memory (it
//     never shrinks: the peak).
//
// ctl and bufs are the SharedArrayBuffers of package wasm/shard, which
// does the exchange (and its barrier) on the Go side.
importScripts('/files/wasm_exec.js');

let ctl, bufs, index, count, instance;

// shardFail releases the other shards when this worker fails outside Go
// (an exception out of its WebAssembly): it calls the function of package
// wasm/shard that fails the exchange (Exchange.FailFunc, set by the Go
// side's load; JavaScript only, so it works with Go dead), which keeps the
// control buffer's layout to itself. Before the load no shard waits.
function shardFail() {
  if (self.convscopeShardFail) self.convscopeShardFail();
}

async function load(d) {
  ({ index, count } = d);
  if (count > 1) ({ ctl, bufs } = d);
  const go = new Go();
  ({ instance } = await WebAssembly.instantiateStreaming(fetch('/files/gobench.wasm'), go.importObject));
  go.run(instance); // main registers the convscopeBench functions and waits
  const resp = await fetch(d.url);
  if (!resp.ok) throw new Error(`${d.url}: ${resp.status}`);
  const msg = self.convscopeBenchLoad(new Uint8Array(await resp.arrayBuffer()), index, count, ctl || null, bufs || null);
  if (msg) throw new Error(msg);
  return {};
}

onmessage = async (e) => {
  try {
    let res;
    switch (e.data.cmd) {
      case 'load':
        res = await load(e.data);
        break;
      case 'run':
        res = JSON.parse(self.convscopeBenchRun(!!e.data.timed));
        break;
      case 'result':
        res = JSON.parse(self.convscopeBenchResult());
        res.peak_bytes = instance.exports.mem.buffer.byteLength;
        break;
      default:
        throw new Error(`unknown command ${e.data.cmd}`);
    }
    if (res.error) shardFail();
    postMessage(res);
  } catch (err) {
    shardFail();
    postMessage({ error: String(err && err.stack || err) });
  }
};
