// Browser side of `convscope bench -browser`. For one model (?model=NAME&runs=N),
// three sides take turns run by run (warm-up, then N timed runs each), so that
// all meet the same load on a busy machine:
// 1. the Go engine, compiled to wasm with SIMD, in a dedicated Web Worker as in the
//    app (gobench_worker.js), loading /files/NAME.csm;
// 1b. the same engine split over navigator.hardwareConcurrency workers, one per
//    core (engine.Shard; SharedArrayBuffers need the page cross-origin isolated,
//    as the bench server's COOP/COEP headers make it);
// 2. onnxruntime-web (wasm backend, SIMD, one thread, files served from the
//    local node_modules), in this page, running /files/NAME.onnx.
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
  const side = { count, workers: [], warmMs: 0, warmRuns: 0, times: [], gathers: 0, gatherMs: Array(count).fill(0), waitMs: Array(count).fill(0) };
  side.run = (timed) => runGo(side, timed);
  side.stop = () => stopGo(side);
  if (count > 1) {
    // Room for wasm/shard's control words (shard.ControlBytes: a few
    // words and one per worker; its New checks the size).
    side.ctl = new SharedArrayBuffer(1024);
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
  const rs = await Promise.all(side.workers.map((w) => call(w, { cmd: 'run', timed })));
  if (timed) {
    side.gathers = rs[0].gathers;
    rs.forEach((r, i) => { side.gatherMs[i] += r.gather_ms / runs; side.waitMs[i] += r.wait_ms / runs; });
  }
  return Math.max(...rs.map((r) => r.ms));
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
    gathers_per_run: side.gathers, gather_ms: side.gatherMs, wait_ms: side.waitMs,
    profiles: rs.map((r) => r.profile) };
}

// timeSides warms every side up (WARMUP_MS of its runs, at least one, at
// most MAX_WARMUP_RUNS) and then times runs runs of each, the sides taking
// turns run by run so that they meet the same load on a busy machine.
async function timeSides(sides) {
  try {
    while (sides.some(warming)) {
      for (const s of sides) {
        if (!warming(s)) continue;
        s.warmMs += await s.run(false);
        s.warmRuns++;
      }
    }
    for (let r = 0; r < runs; r++) {
      for (const s of sides) s.times.push(await s.run(true));
    }
  } catch (e) {
    sides.forEach((s) => s.stop());
    throw e;
  }
}

// startGoSides starts the one-worker engine and, when the page is
// cross-origin isolated and there is more than one core, the engine split
// over every core. It returns [one, split or null, why split is null].
async function startGoSides(cores) {
  const one = await startGo(1);
  if (!self.crossOriginIsolated) {
    return [one, null, 'the page is not cross-origin isolated (COOP/COEP headers): no SharedArrayBuffer, so one worker only'];
  }
  if (cores < 2) return [one, null, `the browser reports ${cores} core: nothing to split`];
  try {
    return [one, await startGo(cores), ''];
  } catch (e) {
    one.stop();
    throw new Error(`Go engine split over ${cores} workers: ${e && e.message || e}`);
  }
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

// startOrt loads the model in onnxruntime-web (wasm backend, SIMD, one
// thread) in this page and returns it as a side of timeSides.
async function startOrt() {
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
  let out;
  const side = { warmMs: 0, warmRuns: 0, times: [] };
  side.run = async () => {
    const t0 = performance.now();
    out = await session.run(feeds);
    return performance.now() - t0;
  };
  side.stop = () => session.release();
  side.finish = async () => {
    const output = Array.from(out[outName].data);
    const peakBytes = peak();
    await session.release();
    return { version: ort.env.versions ? ort.env.versions.web : '', times_ms: side.times, output, peak_bytes: peakBytes,
      simd: true, threads: ort.env.wasm.numThreads, warmup_runs: side.warmRuns };
  };
  return side;
}

async function main() {
  if (!model || !(runs > 0)) throw new Error('want ?model=NAME&runs=N');
  const cores = navigator.hardwareConcurrency || 1;
  log(`${model}: Go engine (wasm) in 1 worker, split over ${cores} workers, and onnxruntime-web (wasm SIMD, 1 thread), taking turns...`);
  const [one, split, skip] = await startGoSides(cores);
  let ortSide;
  try {
    ortSide = await startOrt();
  } catch (e) {
    [one, split].forEach((s) => s && s.stop());
    throw e;
  }
  await timeSides([one, split, ortSide].filter((s) => s));
  const go = await finishGo(one);
  const shards = split ? await finishGo(split) : { skip };
  const ref = await ortSide.finish();
  window.benchResult = JSON.stringify({ go, shards, ort: ref, cores: navigator.hardwareConcurrency, isolated: self.crossOriginIsolated });
  log('done');
}

main().catch((e) => { window.benchError = String(e && e.stack || e); log('error: ' + window.benchError); });
