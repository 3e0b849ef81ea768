// Web Worker of the "all cores" row of `convscope bench -browser`: one shard
// of the Go engine (gobench.wasm, convscopeBenchShard in
// tools/bench/gowasm/shard.go). The page starts one per core and sends each
// {url, runs, index, count, bufs: [SharedArrayBuffer, SharedArrayBuffer],
// ctl: SharedArrayBuffer}; it posts back {times_ms, output, peak_bytes,
// warmup_runs} or {error}.
//
// ctl is an Int32Array: [0] counts barrier arrivals (it only grows: barrier
// k of every shard completes when it reaches k*count), [1] is set when a
// shard failed (the others stop waiting), [2] carries shard 0's value in
// shardAgree. bufs are the two growable exchange buffers of the gathers.
importScripts('/files/wasm_exec.js');

// A barrier waits at most this long: loading VGG16 takes seconds, one
// layer far less; a longer wait means a shard is gone.
const BARRIER_TIMEOUT_MS = 10 * 60 * 1000;

let ctl, bufs, index, count;
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

// shardAgree returns shard 0's v on every shard: the second barrier keeps
// shard 0 from overwriting it before everyone has read it.
self.shardAgree = (v) => {
  if (index === 0) Atomics.store(ctl, 2, v ? 1 : 0);
  let msg = self.shardBarrier();
  const agreed = Atomics.load(ctl, 2) !== 0;
  if (!msg) msg = self.shardBarrier();
  if (msg) throw new Error(msg);
  return agreed;
};

function fail() {
  if (ctl) {
    Atomics.store(ctl, 1, 1);
    Atomics.notify(ctl, 0);
  }
}

onmessage = async (e) => {
  try {
    ({ index, count } = e.data);
    ctl = new Int32Array(e.data.ctl);
    bufs = e.data.bufs;
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch('/files/gobench.wasm'), go.importObject);
    go.run(instance); // main registers convscopeBenchShard and waits
    const resp = await fetch(e.data.url);
    if (!resp.ok) throw new Error(`${e.data.url}: ${resp.status}`);
    const file = new Uint8Array(await resp.arrayBuffer());
    const res = JSON.parse(self.convscopeBenchShard(file, e.data.runs, index, count));
    if (res.error) fail();
    res.peak_bytes = instance.exports.mem.buffer.byteLength;
    postMessage(res);
  } catch (err) {
    fail();
    postMessage({ error: String(err && err.stack || err) });
  }
};
