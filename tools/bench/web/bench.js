// Browser side of `convscope bench -browser`. For one model (?model=NAME&runs=N):
// 1. the Go engine, compiled to wasm with SIMD, in a dedicated Web Worker as in the
//    app (gobench_worker.js), loading /files/NAME.csm, and
// 1b. the same engine split over navigator.hardwareConcurrency workers, one per
//    core (engine.Shard; SharedArrayBuffers need the page cross-origin isolated,
//    as the bench server's COOP/COEP headers make it),
//    take turns run by run (warm-up, then N timed runs each), so that both meet
//    the same load on a busy machine;
// 2. onnxruntime-web (wasm backend, SIMD, one thread, files served from the
//    local node_modules) then runs /files/NAME.onnx the same way.
// Peak memory is the byteLength of each side's WebAssembly.Memory after its
// runs (wasm memories only grow, so that is the peak); for the split engine,
// the sum over its workers plus the shared buffers.
// All use the bench's fixed input x[i] = ((i*7919) % 1000)/500 - 1.

// Each side warms up for WARMUP_MS of runs (at least one, at most
// MAX_WARMUP_RUNS) before the timed ones: V8 first runs wasm from its baseline
// compiler (Liftoff) and recompiles hot functions with TurboFan in the
// background; on the 2-core machine resnet20_cifar took ~1 s of runs (24
// runs, 103 ms -> 11 ms) to reach its steady state.
const WARMUP_MS = 3000;
const MAX_WARMUP_RUNS = 100;

const params = new URLSearchParams(location.search);
const model = params.get('model');
const runs = parseInt(params.get('runs') || '5', 10);
const log = (s) => { document.getElementById('log').textContent += '\n' + s; };

// call sends one command to a gobench_worker.js and resolves with its answer.
function call(w, msg) {
  return new Promise((resolve, reject) => {
    w.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
    w.onerror = (e) => reject(new Error('Go worker: ' + e.message));
    w.postMessage(msg);
  });
}

// startGo starts the Go engine in count workers (count > 1: split between
// them) and loads the model in each.
async function startGo(count) {
  const side = { count, workers: [], warmMs: 0, warmRuns: 0, times: [], gathers: 0, gatherMs: Array(count).fill(0) };
  if (count > 1) {
    side.ctl = new SharedArrayBuffer(16);
    side.bufs = [0, 1].map(() => new SharedArrayBuffer(0, { maxByteLength: 1 << 30 }));
  }
  for (let i = 0; i < count; i++) side.workers.push(new Worker('gobench_worker.js'));
  try {
    await Promise.all(side.workers.map((w, index) =>
      call(w, { cmd: 'load', url: `/files/${model}.csm`, index, count, ctl: side.ctl, bufs: side.bufs })));
  } catch (e) {
    stopGo(side);
    throw e;
  }
  return side;
}

function stopGo(side) {
  side.workers.forEach((w) => w.terminate());
}

// runGo runs side once (every worker; they finish together, each waiting
// for the others at every gather) and returns the slowest worker's time.
async function runGo(side, timed) {
  const rs = await Promise.all(side.workers.map((w) => call(w, { cmd: 'run' })));
  const ms = Math.max(...rs.map((r) => r.ms));
  if (timed) {
    side.times.push(ms);
    side.gathers = rs[0].gathers;
    rs.forEach((r, i) => { side.gatherMs[i] += r.gather_ms / runs; });
  } else {
    side.warmMs += ms;
    side.warmRuns++;
  }
}

// warming reports whether side still warms up.
const warming = (side) => side.warmRuns === 0 || (side.warmMs < WARMUP_MS && side.warmRuns < MAX_WARMUP_RUNS);

// finishGo collects side's logits (every worker must have the same) and
// peak memory, and stops its workers.
async function finishGo(side) {
  const rs = await Promise.all(side.workers.map((w) => call(w, { cmd: 'result' })));
  stopGo(side);
  const out = rs[0].output;
  if (!rs.every((r) => r.output.length === out.length && r.output.every((v, i) => Object.is(v, out[i])))) {
    throw new Error('the shards ended with different outputs');
  }
  let peak = rs.reduce((m, r) => m + r.peak_bytes, 0);
  if (side.count > 1) peak += side.ctl.byteLength + side.bufs[0].byteLength + side.bufs[1].byteLength;
  return { count: side.count, times_ms: side.times, output: out, peak_bytes: peak, warmup_runs: side.warmRuns,
    gathers_per_run: side.gathers, gather_ms: side.gatherMs };
}

// benchGo times the one-worker engine and, when the page is cross-origin
// isolated and there is more than one core, the engine split over every
// core, taking turns. It returns {go, shards}; shards is {skip: why} when
// the split engine cannot run here.
async function benchGo(cores) {
  const one = await startGo(1);
  let split = null;
  let skip = '';
  if (!self.crossOriginIsolated) {
    skip = 'the page is not cross-origin isolated (COOP/COEP headers): no SharedArrayBuffer, so one worker only';
  } else if (cores < 2) {
    skip = `the browser reports ${cores} core: nothing to split`;
  } else {
    try {
      split = await startGo(cores);
    } catch (e) {
      one.workers.forEach((w) => w.terminate());
      throw new Error(`Go engine split over ${cores} workers: ${e && e.message || e}`);
    }
  }
  const sides = split ? [one, split] : [one];
  try {
    while (sides.some(warming)) {
      for (const s of sides) if (warming(s)) await runGo(s, false);
    }
    for (let r = 0; r < runs; r++) {
      for (const s of sides) await runGo(s, true);
    }
  } catch (e) {
    sides.forEach(stopGo);
    throw e;
  }
  const go = await finishGo(one);
  const shards = split ? await finishGo(split) : { skip };
  return { go, shards };
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
  // Warm-up for WARMUP_MS of runs (at least one), as the Go side does: V8 tiers
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
  const cores = navigator.hardwareConcurrency || 1;
  log(`${model}: Go engine (wasm), 1 worker and ${cores} workers (split) taking turns...`);
  const { go, shards } = await benchGo(cores);
  log(`${model}: onnxruntime-web (wasm SIMD, 1 thread)...`);
  const ref = await benchOrt();
  window.benchResult = JSON.stringify({ go, shards, ort: ref, cores: navigator.hardwareConcurrency, isolated: self.crossOriginIsolated });
  log('done');
}

main().catch((e) => { window.benchError = String(e && e.stack || e); log('error: ' + window.benchError); });
