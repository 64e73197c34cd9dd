// AE vs PCA on Fashion-MNIST (60k train, 10k test): test reconstruction MSE per pixel (inputs in
// [0,1]) for code sizes k = 2, 10, 20. PCA is fitted on the train split (latentkit's Pca); the AE
// is `latentkit train --model ae --latent k` with a deep MLP encoder/decoder. Prints a table and JSON.
// Usage: node bench/ae-vs-pca.mjs [--epochs 20] [--hidden 512,256] [--ks 2,10,20] [--threads 2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFashionMnist, nodeBackend, Pca } from '../dist/index.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '20' }, hidden: { type: 'string', default: '512,256' }, ks: { type: 'string', default: '2,10,20' }, threads: { type: 'string', default: String(os.availableParallelism()) } } });
const flat = (ds) => ({ ...ds, sampleShape: [784] });
const { train, test } = loadFashionMnist();
const tmp = mkdtempSync(join(os.tmpdir(), 'latentkit-ae-pca-'));
const rows = [];
for (const k of values.ks.split(',').map(Number)) {
  const pca = await Pca.fit(flat(train), k, { backend: nodeBackend, threads: Number(values.threads) });
  const pcaMse = pca.reconstructionMse(flat(test));
  const args = ['bin/latentkit.js', 'train', '--model', 'ae', '--latent', String(k), '--hidden', values.hidden, '--data', 'fashion-mnist', '--epochs', values.epochs, '--threads', values.threads, '--out', join(tmp, `ae${k}`), '--json', '--quiet'];
  const t0 = performance.now();
  const ae = JSON.parse(execFileSync('node', args, { encoding: 'utf8' }).trim().split('\n').pop());
  rows.push({ k, pca_mse: pcaMse, pca_explained_variance: pca.explainedVarianceRatio, ae_mse: ae.test.mse, ae_seconds: (performance.now() - t0) / 1000, ae_beats_pca: ae.test.mse < pcaMse, command: `node ${args.slice(0, -4).join(' ')}` });
  process.stderr.write(`k=${k}: PCA ${pcaMse.toFixed(5)} (explains ${(100 * pca.explainedVarianceRatio).toFixed(1)}% var)  AE ${ae.test.mse.toFixed(5)}\n`);
}
rmSync(tmp, { recursive: true, force: true });
let table = `\nFashion-MNIST test reconstruction MSE per pixel, AE (--hidden ${values.hidden}, ${values.epochs} epochs) vs PCA\n${'k'.padStart(4)}${'PCA'.padStart(10)}${'AE'.padStart(10)}${'AE/PCA'.padStart(9)}\n`;
for (const r of rows) table += `${String(r.k).padStart(4)}${r.pca_mse.toFixed(5).padStart(10)}${r.ae_mse.toFixed(5).padStart(10)}${(r.ae_mse / r.pca_mse).toFixed(2).padStart(9)}\n`;
process.stderr.write(table);
process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), epochs: Number(values.epochs), hidden: values.hidden, rows })}\n`);
