// Speed of the latent toolkit on Fashion-MNIST (issue 6 targets, 2-core dev machine):
//   embed   70k images through the reference VAE (784-400-20): samples/s (target ≥ 100k)
//   report  `latentkit report` on that run: with its probe computed, and with probe.json cached (target ≤ 5 s)
//   probe   `latentkit probe` (k-NN and linear probes of codes, PCA and pixels on 60k/10k)
//   map     `latentkit map --method umap` on the 10k test codes (target ≤ 60 s)
// The VAE is trained for one epoch first (speed does not depend on how well it is trained).
// Each timed step runs --rounds times; medians are printed. Usage:
//   npx tsc -p tsconfig.json && node bench/latent-speed.mjs [--rounds 3] [--threads 2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFashionMnist, loadRun, openCodec, trainRun } from '../dist/index.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, threads: { type: 'string', default: String(os.availableParallelism()) } } });
const rounds = Number(values.rounds);
const threads = Number(values.threads);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tmp = mkdtempSync(join(os.tmpdir(), 'latentkit-latent-speed-'));
const dir = join(tmp, 'vae');
await trainRun({ model: { family: 'vae' }, train: { epochs: 1 }, data: { spec: 'fashion-mnist' }, out: dir, threads, report: false });

const { train, test } = loadFashionMnist();
const run = await loadRun(dir);
const codec = await openCodec(run, { threads });
const embed = [];
for (let r = 0; r < rounds + 1; r++) {
  const t0 = performance.now();
  await codec.encode(train.x, train.n);
  await codec.encode(test.x, test.n);
  if (r > 0) embed.push((train.n + test.n) / ((performance.now() - t0) / 1000)); // round 0 warms up
}
await codec.release();

const cli = (...args) => {
  const t0 = performance.now();
  execFileSync('node', ['bin/latentkit.js', ...args, '--threads', String(threads)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - t0) / 1000;
};
const reportFresh = [];
const reportCached = [];
const probe = [];
const umap = [];
for (let r = 0; r < rounds; r++) {
  rmSync(join(dir, 'probe.json'), { force: true });
  reportFresh.push(cli('report', dir));
  reportCached.push(cli('report', dir));
  probe.push(cli('probe', dir));
  if (r === 0) umap.push(cli('map', dir, '--method', 'umap'));
}
rmSync(tmp, { recursive: true, force: true });
const rows = [
  ['embed 70k (reference VAE)', `${Math.round(median(embed)).toLocaleString('en-US')} samples/s`, '≥ 100,000 samples/s'],
  ['report, probe cached (s)', median(reportCached).toFixed(1), '≤ 5 s'],
  ['report incl. probe (s)', median(reportFresh).toFixed(1), ''],
  ['probe 60k/10k (s)', median(probe).toFixed(1), ''],
  ['map --method umap, 10k test codes (s)', median(umap).toFixed(1), '≤ 60 s'],
];
process.stderr.write(`\nlatentkit latent toolkit speed, Fashion-MNIST, threads ${threads}, median of ${rounds} (map: 1), whole commands including process start\n`);
for (const [what, v, target] of rows) process.stderr.write(`${what.padEnd(40)}${String(v).padStart(22)}   ${target}\n`);
process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), threads, rounds, embed_samples_per_sec: embed, report_fresh_s: reportFresh, report_cached_s: reportCached, probe_s: probe, map_umap_s: umap })}\n`);
