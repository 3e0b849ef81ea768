// Browser side of `convscope bench -browser`. For one model (?model=NAME&runs=N):
// 1. the Go engine, compiled to wasm with SIMD, in a dedicated Web Worker as in the
//    app (gobench_worker.js), loads /files/NAME.csm and times warm-up + N runs;
// 1b. the Go engine split over navigator.hardwareConcurrency workers, one per
//    core (benchGoShards; needs the page cross-origin isolated, as the bench
//    server's COOP/COEP headers make it);
// 2. onnxruntime-web (wasm backend, SIMD, one thread, files served from the
//    local node_modules) runs /files/NAME.onnx the same way.
// Peak memory is the byteLength of each side's WebAssembly.Memory after its
// runs (wasm memories only grow, so that is the peak).
// Both use the bench's fixed input x[i] = ((i*7919) % 1000)/500 - 1.

// Each side warms up for WARMUP_MS of runs before the timed ones (see
// tools/bench/gowasm: warmupMS).
const WARMUP_MS = 3000;
const MAX_WARMUP_RUNS = 100;

const params = new URLSearchParams(location.search);
const model = params.get('model');
const runs = parseInt(params.get('runs') || '5', 10);
const log = (s) => { document.getElementById('log').textContent += '\n' + s; };

function benchGo() {
  return new Promise((resolve, reject) => {
    const w = new Worker('gobench_worker.js');
    w.onmessage = (e) => {
      w.terminate();
      if (e.data.error) reject(new Error('Go engine: ' + e.data.error));
      else resolve(e.data);
    };
    w.onerror = (e) => { w.terminate(); reject(new Error('Go worker: ' + e.message)); };
    w.postMessage({ url: `/files/${model}.csm`, runs });
  });
}

// benchGoShards runs the Go engine split over count Web Workers, one per
// core (gobench_shard_worker.js: every conv and fc layer split by output
// channels, the parts exchanged through SharedArrayBuffers, which need the
// page to be cross-origin isolated). A run's time is the slowest shard's
// (they finish together: each waits for the others at every gather); peak
// memory is the sum of the shards' wasm memories and the shared buffers.
function benchGoShards(count) {
  if (!self.crossOriginIsolated) {
    return Promise.resolve({ error: 'the page is not cross-origin isolated (COOP/COEP headers): no SharedArrayBuffer, so one worker only' });
  }
  const ctl = new SharedArrayBuffer(16);
  const bufs = [0, 1].map(() => new SharedArrayBuffer(0, { maxByteLength: 1 << 30 }));
  const workers = [];
  const one = (index) => new Promise((resolve, reject) => {
    const w = new Worker('gobench_shard_worker.js');
    workers.push(w);
    w.onmessage = (e) => {
      if (e.data.error) reject(new Error(`Go engine, shard ${index} of ${count}: ${e.data.error}`));
      else resolve(e.data);
    };
    w.onerror = (e) => reject(new Error(`Go shard worker ${index}: ${e.message}`));
    w.postMessage({ url: `/files/${model}.csm`, runs, index, count, ctl, bufs });
  });
  const done = Promise.all(Array.from({ length: count }, (_, i) => one(i)));
  return done.finally(() => workers.forEach((w) => w.terminate())).then((shards) => {
    const times = shards[0].times_ms.map((_, r) => Math.max(...shards.map((s) => s.times_ms[r])));
    const same = shards.every((s) => s.output.length === shards[0].output.length &&
      s.output.every((v, i) => Object.is(v, shards[0].output[i])));
    if (!same) throw new Error('the shards ended with different outputs');
    const peak = shards.reduce((m, s) => m + s.peak_bytes, 0) + ctl.byteLength + bufs[0].byteLength + bufs[1].byteLength;
    return { count, times_ms: times, output: shards[0].output, peak_bytes: peak, warmup_runs: shards[0].warmup_runs,
      gathers_per_run: shards[0].gathers_per_run, gather_ms: shards.map((s) => s.gather_ms) };
  });
}

// watchMemories records every WebAssembly.Memory the page creates or
// instantiates from now on: onnxruntime keeps its module private.
function watchMemories() {
  const mems = [];
  const keep = (inst) => {
    for (const v of Object.values(inst.exports || {})) {
      if (v instanceof WebAssembly.Memory) mems.push(v);
    }
  };
  const OrigMemory = WebAssembly.Memory;
  const Memory = function (desc) { const m = new OrigMemory(desc); mems.push(m); return m; };
  Memory.prototype = OrigMemory.prototype;
  WebAssembly.Memory = Memory;
  const inst = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (...a) {
    const r = await inst.apply(this, a);
    keep(r.instance || r);
    return r;
  };
  const instS = WebAssembly.instantiateStreaming;
  if (instS) {
    WebAssembly.instantiateStreaming = async function (...a) {
      const r = await instS.apply(this, a);
      keep(r.instance);
      return r;
    };
  }
  return () => mems.reduce((m, x) => Math.max(m, x.buffer.byteLength), 0);
}

async function benchOrt() {
  const peak = watchMemories();
  const ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = '/ort/';
  const session = await ort.InferenceSession.create(`/files/${model}.onnx`, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  const shape = [1, 3, 224, 224];
  const meta = session.inputMetadata && session.inputMetadata[0];
  if (meta && Array.isArray(meta.shape) && meta.shape.every((d) => typeof d === 'number' && d > 0)) {
    shape.splice(0, 4, ...meta.shape);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 1000) / 500 - 1;
  const feeds = { [inName]: new ort.Tensor('float32', data, shape) };
  // Warm-up for WARMUP_MS of runs (at least one), as gowasm does: V8 tiers
  // hot wasm functions up to TurboFan in the background.
  let out;
  let warmupRuns = 0;
  const warm = performance.now();
  while (warmupRuns === 0 || (performance.now() - warm < WARMUP_MS && warmupRuns < MAX_WARMUP_RUNS)) {
    out = await session.run(feeds);
    warmupRuns++;
  }
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    out = await session.run(feeds);
    times.push(performance.now() - t0);
  }
  const output = Array.from(out[outName].data);
  const peakBytes = peak();
  await session.release();
  return { version: ort.env.versions ? ort.env.versions.web : '', times_ms: times, output, peak_bytes: peakBytes,
    simd: true, threads: ort.env.wasm.numThreads, warmup_runs: warmupRuns };
}

async function main() {
  if (!model || !(runs > 0)) throw new Error('want ?model=NAME&runs=N');
  log(`${model}: Go engine (wasm, 1 worker)...`);
  const go = await benchGo();
  const cores = navigator.hardwareConcurrency || 1;
  log(`${model}: Go engine (wasm, ${cores} shard workers)...`);
  const shards = await benchGoShards(cores).catch((e) => ({ error: String(e && e.message || e) }));
  log(`${model}: onnxruntime-web (wasm SIMD, 1 thread)...`);
  const ref = await benchOrt();
  window.benchResult = JSON.stringify({ go, shards, ort: ref, cores: navigator.hardwareConcurrency, isolated: self.crossOriginIsolated });
  log('done');
}

main().catch((e) => { window.benchError = String(e && e.stack || e); log('error: ' + window.benchError); });
