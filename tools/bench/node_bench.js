// Times onnxruntime-node on one ONNX model for `convscope bench -native`.
//
// usage: node node_bench.js MODEL.onnx THREADS
//
// The Go side drives the runs, so that its engine and onnxruntime take turns
// run by run and meet the same load on a busy machine. After creating the
// session and one warm-up run, this prints {"ready": true}; then, for each
// line "run" read on stdin, it times one run and prints {"ms": N}; on "end"
// it prints {"version", "threads", "peak_rss_bytes", "output": [...logits]}
// and exits. The session uses onnxruntime's best default configuration (all
// graph optimizations), intraOpNumThreads = THREADS, one inter-op thread
// (sequential execution), on the same deterministic 1x3xHxW input the Go side
// uses (see bench_input in the Go command: x[i] = ((i*7919) % 1000) / 500 - 1).
'use strict';

const fs = require('fs');
const readline = require('readline');
const ort = require('onnxruntime-node');

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function main() {
  const [model, threadsArg] = process.argv.slice(2);
  const threads = parseInt(threadsArg, 10);
  if (!model || !(threads > 0)) {
    throw new Error('usage: node node_bench.js MODEL.onnx THREADS');
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
  send({ ready: true });
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const cmd = line.trim();
    if (cmd === 'run') {
      const t0 = process.hrtime.bigint();
      out = await session.run(feeds);
      send({ ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    } else if (cmd === 'end') {
      break;
    } else {
      throw new Error(`node_bench.js: unknown command ${JSON.stringify(cmd)} (want "run" or "end")`);
    }
  }
  const y = out[outName].data;
  let peak = process.resourceUsage().maxRSS * 1024; // kilobytes on Linux
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) peak = parseInt(m[1], 10) * 1024;
  } catch (e) { /* not Linux: maxRSS it is */ }
  const version = require('onnxruntime-node/package.json').version;
  send({ version, threads, peak_rss_bytes: peak, output: Array.from(y) });
  await session.release();
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
