// End-to-end comparison of what a user waits for: the reference VAE trained for 3 epochs on
// Fashion-MNIST as whole processes, timed from outside.
//   latentkit   node bin/latentkit.js train --data fashion-mnist --epochs 3 --no-report --quiet
//               (start-up, data loading, graph build and compilation, the steps, per-epoch test
//               evaluation and checkpoint, the end-of-run pictures)
//   pytorch     /usr/bin/python3 bench/peers/pytorch_vae.py --data fashion-mnist --epochs 3
//               at its best settings (OMP_WAIT_POLICY=PASSIVE; OPENBLAS_CORETYPE=SkylakeX where
//               the CPU has AVX-512, otherwise OpenBLAS's own choice), with --eval unless --no-peer-eval;
//   pytorch-1t  the same with --threads 1 (often PyTorch's best on a busy 2-core machine)
//   before      optionally a second latentkit build (--before DIR, e.g. a git worktree of an
//               earlier commit built with tsc), to measure a change against what it replaced
// The engines run in turn, round by round (A B [C] A B [C] …), after one warm-up round, so
// drifting load hits all alike; each figure is the median over rounds and each ratio the median
// of the per-round ratios. Wall, CPU (user + sys) and peak RSS come from /usr/bin/time.
// Prints a table (stderr) and one JSON object (stdout), and writes it to bench/out/.
// Usage: node bench/e2e.mjs [--rounds 3] [--epochs 3] [--threads 2] [--before /tmp/lk-before] [--this DIR] [--skip pytorch]
//   (--this: the latentkit checkout to measure, default this one; each needs its dist/ built)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    before: { type: 'string' },
    this: { type: 'string' },
    skip: { type: 'string', default: '' },
    'no-peer-eval': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const skip = new Set(values.skip.split(',').filter(Boolean));
const root = resolve(new URL('..', import.meta.url).pathname);
const tmp = mkdtempSync(join(os.tmpdir(), 'lk-e2e-'));
const avx512 = /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
if (!existsSync('/usr/bin/time')) throw new Error('bench/e2e.mjs needs /usr/bin/time (Debian package "time")');

const latentkit = (name, dir) => ({
  name,
  cmd: ['node', join(dir, 'bin', 'latentkit.js'), 'train', '--data', 'fashion-mnist', '--epochs', values.epochs, '--threads', values.threads, '--no-report', '--quiet', '--force', '--out', join(tmp, name)],
  env: {},
});
const engines = [latentkit('latentkit', values.this ? resolve(values.this) : root)];
if (values.before) engines.push(latentkit('before', resolve(values.before)));
if (!skip.has('pytorch')) {
  const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (torch) {
    const args = ['/usr/bin/python3', join(root, 'bench/peers/pytorch_vae.py'), '--data', 'fashion-mnist', '--epochs', values.epochs, '--threads', values.threads, ...(values['no-peer-eval'] ? [] : ['--eval'])];
    const env = { OMP_WAIT_POLICY: 'PASSIVE', ...(avx512 && { OPENBLAS_CORETYPE: 'SkylakeX' }) };
    engines.push({ name: 'pytorch', cmd: args, env });
    // On a 2-core machine busy with other jobs, one thread is often PyTorch's best: run both.
    if (values.threads !== '1') engines.push({ name: 'pytorch-1t', cmd: args.map((a, i) => (args[i - 1] === '--threads' ? '1' : a)), env });
  } else process.stderr.write('pytorch: /usr/bin/python3 cannot import torch; skipped (bench/run.sh installs python3-torch)\n');
}

/** One whole-process run: wall, user, sys seconds and peak RSS (MB) as /usr/bin/time reports them. */
function runOnce(e) {
  const out = join(tmp, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', ...e.cmd], { env: { ...process.env, ...e.env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${e.name} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
  const [wall, user, sys, rssKb] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rss_mb: rssKb / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => os.loadavg()[0].toFixed(1);

const runs = Object.fromEntries(engines.map((e) => [e.name, []]));
const loads = [];
try {
  for (let r = 0; r <= rounds; r++) {
    for (const e of engines) {
      const res = runOnce(e);
      if (r > 0) runs[e.name].push(res);
      process.stderr.write(`[${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}] ${e.name}: ${res.wall.toFixed(2)} s wall, ${res.cpu.toFixed(2)} s cpu, ${Math.round(res.rss_mb)} MB (load ${load()})\n`);
    }
    if (r > 0) loads.push(os.loadavg()[0]);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const summary = {};
for (const [name, rs] of Object.entries(runs)) {
  const ratio = (other) => median(rs.map((x, i) => runs[other][i].wall / x.wall));
  summary[name] = {
    wall_s: median(rs.map((x) => x.wall)),
    cpu_s: median(rs.map((x) => x.cpu)),
    peak_rss_mb: Math.max(...rs.map((x) => x.rss_mb)),
    walls: rs.map((x) => +x.wall.toFixed(2)),
    /** Per other engine: the median over rounds of its wall time ÷ this engine's. */
    over_this: Object.fromEntries(Object.keys(runs).filter((o) => o !== name).map((o) => [o, ratio(o)])),
  };
}
const machine = { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, avx512, node: process.version, threads: Number(values.threads), load_1min: loads.map((l) => +l.toFixed(1)) };
const report = { date: new Date().toISOString(), machine, epochs: Number(values.epochs), rounds, summary };
let table = `\nreference VAE, Fashion-MNIST, ${values.epochs} epochs, whole processes, median of ${rounds} interleaved rounds (${machine.model}; 1-min load ${machine.load_1min.join(', ')})\n`;
const names = Object.keys(summary);
table += `${'engine'.padEnd(12)}${'wall s'.padStart(9)}${'cpu s'.padStart(9)}${'peak RSS MB'.padStart(13)}${names.map((o) => `${o}/this`.padStart(18)).join('')}\n`;
for (const [name, s] of Object.entries(summary)) {
  const cols = names.map((o) => (o === name ? '' : s.over_this[o].toFixed(2)).padStart(18)).join('');
  table += `${name.padEnd(12)}${s.wall_s.toFixed(2).padStart(9)}${s.cpu_s.toFixed(2).padStart(9)}${String(Math.round(s.peak_rss_mb)).padStart(13)}${cols}\n`;
}
process.stderr.write(table);
mkdirSync(join(root, 'bench/out'), { recursive: true });
writeFileSync(join(root, `bench/out/e2e-${report.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 2));
process.stdout.write(`${JSON.stringify(report)}\n`);
