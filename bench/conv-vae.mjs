// Side-by-side training speed of latentkit's conv VAE with the Keras VAE example's layers (`--model conv-vae --dense 16`
// on 28×28×1: conv 32, 64 k3 s2 → dense 16 → latent 20, mirrored decoder with
// transposed convs; Bernoulli decoder, Adam 1e-3, batch 128) against the same network in PyTorch
// (bench/peers/pytorch_conv_vae.py) on Fashion-MNIST (or random data):
//   latentkit    — the library path (ConvVae → autodiff → optimizer → Trainer), this file with --engine latentkit
//   pytorch      — Debian python3-torch, OMP_WAIT_POLICY=PASSIVE, OpenBLAS picking its own kernels
//   pytorch-1t   — the same on one thread (often PyTorch's best on a busy 2-core machine)
//   pytorch-skx  — the same with OPENBLAS_CORETYPE=SkylakeX, on AVX-512 machines only (PyTorch at its best there)
// Engines run as separate processes, interleaved round by round so machine noise hits all alike;
// each figure is the median over rounds, with every round's value listed to show the noise. Samples per
// CPU-second (user + system time of the whole process, every thread) are also reported: on a shared
// machine they depend far less on what else runs than wall-clock figures do.
// Needs dist/ (npx tsc -p tsconfig.json). Prints a table (stderr) and one JSON object (stdout).
// Usage: node bench/conv-vae.mjs [--rounds 5] [--threads 2] [--epochs 1] [--limit 4096] [--data fashion-mnist|random] [--skip pytorch] [--latentkit-1t]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    epochs: { type: 'string', default: '1' },
    limit: { type: 'string', default: '4096' },
    latent: { type: 'string', default: '20' },
    data: { type: 'string', default: 'fashion-mnist' },
    'warmup-steps': { type: 'string', default: '5' },
    skip: { type: 'string', default: '' },
    'latentkit-1t': { type: 'boolean', default: false },
  },
});

/** One timed latentkit run: prints one JSON line like the PyTorch peer's. */
async function latentkitEngine() {
  const { Trainer, loadFashionMnist, nodeBackend, Rng } = await import('../dist/index.js');
  const { ConvVae } = await import('../dist/models/conv-vae/model.js');
  const { convVaeConfigSchema } = await import('../dist/models/conv-vae/config.js');
  const limit = Number(values.limit);
  const batchSize = 128;
  let train;
  if (values.data === 'fashion-mnist') {
    const t = loadFashionMnist().train;
    const n = Math.min(limit || t.n, t.n);
    train = { ...t, n, x: t.x.subarray(0, n * 784), labels: t.labels?.subarray(0, n) };
  } else {
    const n = limit || 10240;
    train = { name: 'random', n, sampleShape: [1, 28, 28], x: new Rng('bench-data').fillUniform(new Float32Array(n * 784)) };
  }
  const model = new ConvVae(convVaeConfigSchema.parse({ inputShape: [1, 28, 28], dense: [16], latent: Number(values.latent) }));
  const trainer = await Trainer.create(model, { batchSize, seed: 1, backend: nodeBackend, threads: Number(values.threads), optimizer: { kind: 'adam', lr: 1e-3 } });
  // Warm-up as the PyTorch peer's (first calls excluded), over every program the timed epoch runs:
  // one call of the chained program (its first run allocates ORT's arena for a graph 8× the step's)
  // and the --warmup-steps single steps.
  const warm = Number(values['warmup-steps']);
  if (warm > 0) {
    const n = Math.min(train.n, (warm + (trainer.compiled.chain?.graph.steps ?? 0)) * batchSize);
    await trainer.trainEpoch({ ...train, n, x: train.x.subarray(0, n * 784) }, 1);
    trainer.restoreProgress({ ...trainer.progress, epoch: 0 });
  }
  let seconds = 0;
  let last;
  const epochs = Number(values.epochs);
  const cpu0 = process.cpuUsage();
  for (let e = 0; e < epochs; e++) {
    last = await trainer.trainEpoch(train, epochs);
    seconds += last.seconds;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await trainer.release();
  process.stdout.write(`${JSON.stringify({ engine: 'latentkit', threads: Number(values.threads), batch_size: batchSize, train_samples: train.n, epochs, samples_per_sec: (train.n * epochs) / seconds, samples_per_cpu_sec: (train.n * epochs) / cpuSeconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, train: last.train })}\n`);
}

function engines() {
  const common = ['--data', values.data, '--threads', values.threads, '--epochs', values.epochs, '--limit', values.limit, '--latent', values.latent, '--warmup-steps', values['warmup-steps']];
  const list = [{ name: 'latentkit', cmd: 'node', args: ['bench/conv-vae.mjs', '--engine', 'latentkit', ...common] }];
  // latentkit on one thread too (--latentkit-1t): its CPU per sample is lowest there, which on a busy machine can win on wall time as well.
  if (values['latentkit-1t'] && values.threads !== '1') list.push({ name: 'latentkit-1t', cmd: 'node', args: ['bench/conv-vae.mjs', '--engine', 'latentkit', ...common.map((a, i) => (common[i - 1] === '--threads' ? '1' : a))] });
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
    const py = ['/usr/bin/python3', 'bench/peers/pytorch_conv_vae.py', ...common];
    list.push({ name: 'pytorch', cmd: 'env', args: ['-u', 'OPENBLAS_CORETYPE', 'OMP_WAIT_POLICY=PASSIVE', ...py] });
    // On a busy 2-core machine one thread is often PyTorch's best (its pools wait on each other).
    if (values.threads !== '1') list.push({ name: 'pytorch-1t', cmd: 'env', args: ['-u', 'OPENBLAS_CORETYPE', 'OMP_WAIT_POLICY=PASSIVE', ...py.map((a, i) => (py[i - 1] === '--threads' ? '1' : a))] });
    if (/\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) list.push({ name: 'pytorch-skx', cmd: 'env', args: ['OPENBLAS_CORETYPE=SkylakeX', 'OMP_WAIT_POLICY=PASSIVE', ...py] });
  } else {
    process.stderr.write('pytorch: /usr/bin/python3 cannot import torch; skipped (apt-get install python3-torch)\n');
  }
  const skip = new Set(values.skip.split(',').filter(Boolean));
  return list.filter((e) => !skip.has(e.name));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function interleave() {
  if (values.data === 'fashion-mnist' && !existsSync('/usr/share/datasets/fashion-mnist')) throw new Error('/usr/share/datasets/fashion-mnist is missing (apt-get install dataset-fashion-mnist), or use --data random');
  const rounds = Number(values.rounds);
  const list = engines();
  const runs = Object.fromEntries(list.map((e) => [e.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const e of list) {
      const out = execFileSync(e.cmd, e.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
      const res = JSON.parse(out.trim().split('\n').pop());
      runs[e.name].push(res);
      process.stderr.write(`[round ${r + 1}/${rounds}] ${e.name}: ${Math.round(res.samples_per_sec)} samples/s, peak RSS ${Math.round(res.peak_rss_mb)} MB\n`);
    }
  }
  const summary = {};
  for (const [name, rs] of Object.entries(runs)) {
    const sps = rs.map((r) => r.samples_per_sec);
    const spc = rs.map((r) => r.samples_per_cpu_sec);
    summary[name] = { samples_per_sec: median(sps), min: Math.min(...sps), max: Math.max(...sps), samples_per_cpu_sec: median(spc), peak_rss_mb: Math.max(...rs.map((r) => r.peak_rss_mb)), runs: sps.map(Math.round) };
  }
  // Per-round ratios too: each round's engines ran back to back, so their ratio is less noisy than the ratio of medians.
  const lk = runs.latentkit?.map((r) => r.samples_per_sec);
  for (const [name, s] of Object.entries(summary)) {
    s.latentkit_ratio = lk ? summary.latentkit.samples_per_sec / s.samples_per_sec : null;
    s.latentkit_cpu_ratio = lk ? summary.latentkit.samples_per_cpu_sec / s.samples_per_cpu_sec : null;
    s.latentkit_ratio_per_round = lk ? runs[name].map((r, i) => Number((lk[i] / r.samples_per_sec).toFixed(2))) : null;
  }
  const machine = { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))), node: process.version, threads: Number(values.threads) };
  const report = { date: new Date().toISOString(), machine, batch_size: 128, data: values.data, limit: Number(values.limit), epochs: Number(values.epochs), rounds, results: summary };
  let table = `\nconv VAE (Keras example layers, latent ${values.latent}), batch 128, ${values.threads} threads, ${values.data} ${values.limit} samples × ${values.epochs} epoch(s), median of ${rounds} rounds (${machine.model}, load ${machine.loadavg.join(' ')})\n`;
  table += `${'engine'.padEnd(13)}${'samples/s'.padStart(10)}${'min–max'.padStart(13)}${'per CPU-s'.padStart(11)}${'peak RSS MB'.padStart(13)}${'latentkit ×'.padStart(13)}${'× per CPU-s'.padStart(13)}  wall ratio per round\n`;
  for (const [name, s] of Object.entries(summary)) {
    table += `${name.padEnd(13)}${String(Math.round(s.samples_per_sec)).padStart(10)}${`${Math.round(s.min)}–${Math.round(s.max)}`.padStart(13)}${String(Math.round(s.samples_per_cpu_sec)).padStart(11)}${String(Math.round(s.peak_rss_mb)).padStart(13)}${(s.latentkit_ratio ?? 0).toFixed(2).padStart(13)}${(s.latentkit_cpu_ratio ?? 0).toFixed(2).padStart(13)}  ${(s.latentkit_ratio_per_round ?? []).join(' ')}\n`;
  }
  process.stderr.write(table);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(`bench/out/conv-vae-${report.date.replace(/[:.]/g, '-')}.json`, JSON.stringify(report, null, 2));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (values.engine === 'latentkit') await latentkitEngine();
else await interleave();
