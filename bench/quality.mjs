// Quality check: the reference VAE trained for the same epochs on Fashion-MNIST (60k train,
// 10k test) by latentkit (the CLI, --json) and by the PyTorch peer; prints the test loss terms
// side by side and the gap in nats (target: |latentkit − pytorch| ≤ 1 nat on the test loss).
// Usage: node bench/quality.mjs [--epochs 10] [--threads 2] [--seed 0]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '10' }, threads: { type: 'string', default: String(os.availableParallelism()) }, seed: { type: 'string', default: '0' } } });
const lastJson = (out) => JSON.parse(out.trim().split('\n').pop());
const tmp = mkdtempSync(join(os.tmpdir(), 'latentkit-quality-'));
const t0 = performance.now();
const lk = lastJson(execFileSync('node', ['bin/latentkit.js', 'train', '--data', 'fashion-mnist', '--epochs', values.epochs, '--threads', values.threads, '--seed', values.seed, '--out', join(tmp, 'run'), '--json', '--quiet'], { encoding: 'utf8' }));
const lkSeconds = (performance.now() - t0) / 1000;
// The importance-weighted bound (IWAE, K = 100) of the same run: a tighter −log p(x) than the ELBO.
const iw = lastJson(execFileSync('node', ['bin/latentkit.js', 'eval', join(tmp, 'run'), '--iw', '100', '--threads', values.threads, '--json'], { encoding: 'utf8' }));
lk.test.iwae_nll_k100 = iw.test.iwae_nll_k100;
rmSync(tmp, { recursive: true, force: true });
let pt = null;
let ptSeconds = null;
if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
  const t1 = performance.now();
  pt = lastJson(execFileSync('env', ['-u', 'OPENBLAS_CORETYPE', '-u', 'OPENBLAS_L2_SIZE', '/usr/bin/python3', 'bench/peers/pytorch_vae.py', '--data', 'fashion-mnist', '--epochs', values.epochs, '--threads', values.threads, '--seed', values.seed, '--eval'], { encoding: 'utf8' }));
  ptSeconds = (performance.now() - t1) / 1000;
}
const row = (name, r, s) => `${name.padEnd(10)}${r.test.loss.toFixed(2).padStart(10)}${r.test.recon.toFixed(2).padStart(10)}${r.test.kl.toFixed(2).padStart(8)}${r.train.loss.toFixed(2).padStart(12)}${String(Math.round(s)).padStart(8)}`;
let table = `\nreference VAE on Fashion-MNIST, ${values.epochs} epochs, batch 128, Adam 1e-3 (per-sample nats)\n${'engine'.padEnd(10)}${'test loss'.padStart(10)}${'recon'.padStart(10)}${'kl'.padStart(8)}${'train loss'.padStart(12)}${'wall s'.padStart(8)}\n`;
table += `${row('latentkit', lk, lkSeconds)}\n`;
if (pt) table += `${row('pytorch', pt, ptSeconds)}\ngap (latentkit − pytorch) test loss: ${(lk.test.loss - pt.test.loss).toFixed(2)} nats\n`;
table += `latentkit IWAE bound, K = 100: −log p(x) ≤ ${lk.test.iwae_nll_k100.toFixed(2)} nats (ELBO bound ${lk.test.loss.toFixed(2)})\n`;
process.stderr.write(table);
process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), epochs: Number(values.epochs), latentkit: lk, pytorch: pt, gap_nats: pt ? lk.test.loss - pt.test.loss : null })}\n`);
