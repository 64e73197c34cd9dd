// Side-by-side training-speed benchmark of the reference MLP VAE (784-400-(20,20)-400-784,
// Bernoulli decoder, Adam 1e-3, batch 128) on random and on real (Fashion-MNIST) data:
//   latentkit  — the whole library path (bench/latentkit_vae.mjs)
//   handbuilt  — the same step as a hand-written graph, run by ONNX Runtime (bench/handbuilt_vae.mjs)
//   pytorch    — Debian python3-torch on OpenBLAS (bench/peers/pytorch_vae.py), if importable;
//   pytorch-skx — the same with OPENBLAS_CORETYPE=SkylakeX on AVX-512 machines (its fastest setting)
//   tfjs-wasm  — @tensorflow/tfjs-backend-wasm (bench/peers/tfjs_vae.mjs), on fewer samples: it is slow
// Engines run as separate processes, interleaved round by round, so machine noise hits all
// of them alike; each figure is the median over rounds. Prints a table (stderr) and one JSON
// object (stdout), and writes it to bench/out/.
// Usage: node bench/vae.mjs [--rounds 3] [--threads 2] [--epochs 2] [--skip tfjs-wasm,pytorch]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    epochs: { type: 'string', default: '2' },
    skip: { type: 'string', default: '' },
    data: { type: 'string', default: 'random,fashion-mnist' },
  },
});
const rounds = Number(values.rounds);
const threads = values.threads;
const skip = new Set(values.skip.split(',').filter(Boolean));
const FASHION = '/usr/share/datasets/fashion-mnist';

function hasTorch() {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Per-engine command lines; tfjs gets a small sample count (it runs ~1k samples/s). */
function engines(data) {
  const common = ['--data', data, '--threads', threads, '--epochs', values.epochs];
  const limit = data === 'random' ? ['--limit', '10240'] : [];
  const list = [
    { name: 'latentkit', cmd: 'node', args: ['bench/latentkit_vae.mjs', ...common, ...limit] },
    { name: 'handbuilt', cmd: 'node', args: ['bench/handbuilt_vae.mjs', ...common, ...limit] },
  ];
  if (hasTorch()) {
    const py = ['/usr/bin/python3', 'bench/peers/pytorch_vae.py', ...common, ...limit];
    list.push({ name: 'pytorch', cmd: 'env', args: ['-u', 'OPENBLAS_CORETYPE', '-u', 'OPENBLAS_L2_SIZE', ...py] });
    // OpenBLAS 0.3.21 does not recognise this VM's CPU model and falls back to generic
    // Prescott kernels; on AVX-512 hardware, forcing SkylakeX kernels is PyTorch at its best.
    if (/\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) {
      list.push({ name: 'pytorch-skx', cmd: 'env', args: ['-u', 'OPENBLAS_L2_SIZE', 'OPENBLAS_CORETYPE=SkylakeX', ...py] });
    }
  } else {
    process.stderr.write('pytorch: /usr/bin/python3 cannot import torch; skipped (bench/run.sh installs python3-torch)\n');
  }
  list.push({ name: 'tfjs-wasm', cmd: 'node', args: ['bench/peers/tfjs_vae.mjs', '--data', data, '--threads', threads, '--epochs', '1', '--limit', '2048', '--backend', 'wasm'] });
  return list.filter((e) => !skip.has(e.name));
}

function runOnce(e) {
  const out = execFileSync(e.cmd, e.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const line = out.trim().split('\n').pop();
  return JSON.parse(line);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = {};
for (const data of values.data.split(',')) {
  if (data === 'fashion-mnist' && !existsSync(FASHION)) {
    process.stderr.write(`fashion-mnist: ${FASHION} missing; skipped (bench/run.sh installs dataset-fashion-mnist)\n`);
    continue;
  }
  const list = engines(data);
  const runs = Object.fromEntries(list.map((e) => [e.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const e of list) {
      const res = runOnce(e);
      runs[e.name].push(res);
      process.stderr.write(`[${data} round ${r + 1}/${rounds}] ${e.name}: ${Math.round(res.samples_per_sec)} samples/s, peak RSS ${Math.round(res.peak_rss_mb)} MB\n`);
    }
  }
  const summary = {};
  for (const [name, rs] of Object.entries(runs)) {
    summary[name] = { samples_per_sec: median(rs.map((r) => r.samples_per_sec)), peak_rss_mb: Math.max(...rs.map((r) => r.peak_rss_mb)), runs: rs.map((r) => Math.round(r.samples_per_sec)) };
  }
  const lk = summary.latentkit?.samples_per_sec;
  for (const s of Object.values(summary)) s.latentkit_ratio = lk ? lk / s.samples_per_sec : null;
  results[data] = summary;
}

const machine = { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, threads: Number(threads) };
const report = { date: new Date().toISOString(), machine, batch_size: 128, rounds, results };
let table = `\nreference MLP VAE, batch 128, ${threads} threads, median of ${rounds} rounds (${machine.model})\n`;
table += `${'data'.padEnd(14)}${'engine'.padEnd(12)}${'samples/s'.padStart(11)}${'peak RSS MB'.padStart(13)}${'latentkit ×'.padStart(13)}\n`;
for (const [data, summary] of Object.entries(results)) {
  for (const [name, s] of Object.entries(summary)) {
    table += `${data.padEnd(14)}${name.padEnd(12)}${String(Math.round(s.samples_per_sec)).padStart(11)}${String(Math.round(s.peak_rss_mb)).padStart(13)}${(s.latentkit_ratio ?? 0).toFixed(2).padStart(13)}\n`;
  }
}
process.stderr.write(table);
mkdirSync('bench/out', { recursive: true });
writeFileSync(`bench/out/vae-${report.date.replace(/[:.]/g, '-')}.json`, JSON.stringify(report, null, 2));
process.stdout.write(`${JSON.stringify(report)}\n`);
