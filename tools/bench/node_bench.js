// Times onnxruntime-node on one ONNX model for `convscope bench -native`.
//
// usage: node node_bench.js MODEL.onnx THREADS RUNS
//
// Prints one JSON line: {"version", "threads", "times_ms": [...], "peak_rss_bytes",
// "output": [...logits]}. The session uses onnxruntime's best default
// configuration (all graph optimizations), intraOpNumThreads = THREADS, one
// inter-op thread (sequential execution). One warm-up run precedes RUNS timed runs
// on the same deterministic 1x3xHxW input the Go side uses (see bench_input in
// the Go command: x[i] = ((i*7919) % 1000) / 500 - 1).
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, threadsArg, runsArg] = process.argv.slice(2);
  const threads = parseInt(threadsArg, 10);
  const runs = parseInt(runsArg, 10);
  if (!model || !(threads > 0) || !(runs > 0)) {
    throw new Error('usage: node node_bench.js MODEL.onnx THREADS RUNS');
  }
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  let shape = [1, 3, 224, 224];
  if (meta && Array.isArray(meta.shape) && meta.shape.every((d) => typeof d === 'number' && d > 0)) {
    shape = meta.shape;
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 1000) / 500 - 1;
  const feeds = { [inName]: new ort.Tensor('float32', data, shape) };

  let out = await session.run(feeds); // warm-up
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const y = out[outName].data;
  let peak = process.resourceUsage().maxRSS * 1024; // kilobytes on Linux
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) peak = parseInt(m[1], 10) * 1024;
  } catch (e) { /* not Linux: maxRSS it is */ }
  const version = require('onnxruntime-node/package.json').version;
  process.stdout.write(JSON.stringify({
    version, threads, times_ms: times, peak_rss_bytes: peak,
    output: Array.from(y),
  }) + '\n');
  await session.release();
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
