// Stacked autoencoder on Fashion-MNIST (60k train, 10k test) with few labels: greedy layer-wise
// pretraining on all training images, end-to-end fine-tuning of the deep AE, then encoder +
// softmax trained on --labels class-balanced labelled images for --head-epochs, once from the
// trained encoder and once from scratch (same network, seed, optimizer and budget). Prints both
// test accuracies side by side and the command that reproduces them (one `latentkit train` run).
// Usage: npx tsc -p tsconfig.json && node bench/stacked.mjs [--labels 1000] [--epochs 5]
//        [--pretrain-epochs 5] [--head-epochs 100] [--hidden 400,200] [--latent 50]
//        [--activation sigmoid] [--denoise 0] [--threads N] [--seed 0] [--data-dir DIR]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({
  options: {
    labels: { type: 'string', default: '1000' },
    epochs: { type: 'string', default: '5' },
    'pretrain-epochs': { type: 'string', default: '5' },
    'head-epochs': { type: 'string', default: '100' },
    hidden: { type: 'string', default: '400,200' },
    latent: { type: 'string', default: '50' },
    activation: { type: 'string', default: 'sigmoid' },
    denoise: { type: 'string', default: '0' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    seed: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
  },
});
const args = [
  'train', '--model', 'stacked', '--data', 'fashion-mnist', ...(v['data-dir'] ? ['--data-dir', v['data-dir']] : []),
  '--hidden', v.hidden, '--latent', v.latent, '--activation', v.activation, '--denoise', v.denoise,
  '--pretrain-epochs', v['pretrain-epochs'], '--epochs', v.epochs, '--labels', v.labels, '--head-epochs', v['head-epochs'],
  '--threads', v.threads, '--seed', v.seed,
];
const tmp = mkdtempSync(join(os.tmpdir(), 'latentkit-stacked-'));
const t0 = performance.now();
let r;
try {
  const out = execFileSync('node', ['bin/latentkit.js', ...args, '--out', join(tmp, 'run'), '--json', '--quiet'], { encoding: 'utf8' });
  r = JSON.parse(out.trim().split('\n').pop());
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const seconds = (performance.now() - t0) / 1000;
const pct = (x) => `${(100 * x).toFixed(2)}%`.padStart(10);
process.stderr.write(
  `\nstacked AE on Fashion-MNIST: ${v.labels} labels, encoder ${v.hidden},${v.latent} (${v.activation}), ` +
    `pretraining ${v['pretrain-epochs']} epochs/layer${Number(v.denoise) > 0 ? ` (masking ${v.denoise})` : ''}, fine-tuning ${v.epochs} epochs, head ${v['head-epochs']} epochs\n` +
    `${'encoder start'.padEnd(24)}${'test accuracy'.padStart(10)}\n` +
    `${'pretrained (stacked AE)'.padEnd(24)}${pct(r.test.head_accuracy)}\n` +
    `${'from scratch'.padEnd(24)}${pct(r.test.scratch_accuracy)}\n` +
    `gain: ${(100 * (r.test.head_accuracy - r.test.scratch_accuracy)).toFixed(2)} points; AE test mse ${r.test.mse.toFixed(4)}; wall ${Math.round(seconds)} s\n` +
    `reproduce: npx latentkit ${args.join(' ')} --json\n`,
);
process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), args: v, head_accuracy: r.test.head_accuracy, scratch_accuracy: r.test.scratch_accuracy, test: r.test, train: r.train, seconds })}\n`);
