// Web Worker of `convscope bench -browser`: one instance of the Go engine
// (gobench.wasm, built from tools/bench/gowasm), driven by the page run by
// run. Messages, each answered by one message ({error} on failure):
//   {cmd: 'load', url, index, count, ctl, bufs} -> {}: load and compile the
//     model file; count > 1 makes this worker shard index of count (the
//     engine split over count workers), ctl and bufs being SharedArrayBuffers
//     shared by the shards;
//   {cmd: 'run'} -> {ms, gathers, gather_ms}: one timed run;
//   {cmd: 'result'} -> {output, peak_bytes}: the last run's logits and the
//     size of the WebAssembly memory (it never shrinks: the peak).
//
// ctl is an Int32Array: [0] counts barrier arrivals (it only grows: barrier
// k of every shard completes when it reaches k*count), [1] is set when a
// shard failed (the others stop waiting). bufs are the two growable
// exchange buffers of the gathers (see gowasm/shard.go).
importScripts('/files/wasm_exec.js');

// A barrier waits at most this long: one layer takes far less, even VGG16's
// on a busy machine; a longer wait means a shard is gone.
const BARRIER_TIMEOUT_MS = 2 * 60 * 1000;

let ctl, bufs, index, count, instance;
let seq = 0;

self.shardView = (parity, bytes) => {
  const sab = bufs[parity];
  if (sab.byteLength < bytes) {
    try {
      sab.grow(bytes);
    } catch (e) {
      if (sab.byteLength < bytes) throw e; // another shard may have grown it already
    }
  }
  return new Uint8Array(sab, 0, bytes);
};

self.shardBarrier = () => {
  seq++;
  const target = seq * count;
  if (Atomics.add(ctl, 0, 1) + 1 === target) {
    Atomics.notify(ctl, 0);
    return '';
  }
  const deadline = performance.now() + BARRIER_TIMEOUT_MS;
  for (;;) {
    if (Atomics.load(ctl, 1) !== 0) return `shard ${index}: another shard failed`;
    const cur = Atomics.load(ctl, 0);
    if (cur >= target) return '';
    const left = deadline - performance.now();
    if (left <= 0) return `shard ${index}: no word from the other shards in ${BARRIER_TIMEOUT_MS / 1000} s`;
    Atomics.wait(ctl, 0, cur, left);
  }
};

self.shardFail = () => {
  if (ctl) {
    Atomics.store(ctl, 1, 1);
    Atomics.notify(ctl, 0);
  }
};

async function load(d) {
  ({ index, count } = d);
  if (count > 1) {
    ctl = new Int32Array(d.ctl);
    bufs = d.bufs;
  }
  const go = new Go();
  ({ instance } = await WebAssembly.instantiateStreaming(fetch('/files/gobench.wasm'), go.importObject));
  go.run(instance); // main registers the convscopeBench functions and waits
  const resp = await fetch(d.url);
  if (!resp.ok) throw new Error(`${d.url}: ${resp.status}`);
  const msg = self.convscopeBenchLoad(new Uint8Array(await resp.arrayBuffer()), index, count);
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
        res = JSON.parse(self.convscopeBenchRun());
        break;
      case 'result':
        res = JSON.parse(self.convscopeBenchResult());
        res.peak_bytes = instance.exports.mem.buffer.byteLength;
        break;
      default:
        throw new Error(`unknown command ${e.data.cmd}`);
    }
    if (res.error) self.shardFail();
    postMessage(res);
  } catch (err) {
    self.shardFail();
    postMessage({ error: String(err && err.stack || err) });
  }
};
