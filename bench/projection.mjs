// 2-D projections behind `latentkit map`, timed on clustered Gaussian codes (10 blobs, centres
// N(0, 5²), unit spread; no trained model needed):
//   umap   on 10,000 codes of dimension 10 (project2d, defaults)
//   tsne   on 5,000 codes of dimension 10 (project2d, defaults: 750 iterations, perplexity 30)
//   tsne   per-iteration ms at n = 2000 and 5000 (60 iterations, after P and compilation)
//   pca    on 70,000 codes of dimension 20 (project2d)
// Prints one JSON line per case and a table on stderr.
// Usage: npx tsc -p tsconfig.json && node bench/projection.mjs [--threads N] [--only umap,tsne,tsne-iter,pca]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { project2d } from '../dist/latent/projection.js';
import { tsne } from '../dist/latent/tsne.js';
import { Rng } from '../dist/nn/rng.js';
import { nodeBackend } from '../dist/runtime/node.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: String(os.availableParallelism()) },
    only: { type: 'string', default: 'umap,tsne,tsne-iter,pca' },
  },
});
const runtime = { backend: nodeBackend, threads: Number(values.threads) };
const only = new Set(values.only.split(','));

function codes(n, k, seed) {
  const rng = new Rng(`bench-projection:${seed}`);
  const centres = rng.fillNormal(new Float32Array(10 * k), 0, 5);
  const x = rng.fillNormal(new Float32Array(n * k));
  for (let i = 0; i < n; i++) for (let d = 0; d < k; d++) x[i * k + d] += centres[(i % 10) * k + d];
  return x;
}

function line(obj) {
  process.stdout.write(`${JSON.stringify({ ...obj, threads: runtime.threads, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

const rows = [];
async function timeProjection(name, n, k, method) {
  const x = codes(n, k, name);
  const phases = {};
  const t0 = performance.now();
  let last = t0;
  const p = await project2d(x, n, k, {
    method,
    runtime,
    onProgress: (_done, _total, phase) => {
      const now = performance.now();
      phases[phase] = (phases[phase] ?? 0) + (now - last) / 1000;
      last = now;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  rows.push([name, `${seconds.toFixed(2)} s`]);
  line({ case: name, n, k, method: p.method, points: p.indices.length, seconds, phase_seconds: phases });
}

async function tsneIteration(n, iterations = 60) {
  const x = codes(n, 10, `iter${n}`);
  let start;
  let end;
  let from;
  const t0 = performance.now();
  await tsne(x, n, 10, {
    iterations,
    exaggerationIterations: iterations,
    runtime,
    onProgress: (done, _total, phase) => {
      if (phase !== 'tsne') return;
      if (from === undefined) {
        from = done; // timing starts after the first chain: compilation and warm-up excluded
        start = performance.now();
      }
      end = performance.now();
    },
  });
  const ms = (end - start) / (iterations - from);
  rows.push([`tsne ms/iteration, n=${n}`, `${ms.toFixed(1)} ms`]);
  line({ case: `tsne-iteration-${n}`, n, k: 10, ms_per_iteration: ms, total_seconds: (performance.now() - t0) / 1000 });
}

if (only.has('umap')) await timeProjection('umap 10k x 10', 10_000, 10, 'umap');
if (only.has('tsne')) await timeProjection('tsne 5k x 10', 5_000, 10, 'tsne');
if (only.has('tsne-iter')) {
  await tsneIteration(2000);
  await tsneIteration(5000);
}
if (only.has('pca')) await timeProjection('pca 70k x 20', 70_000, 20, 'pca');
process.stderr.write(`\nprojections (${runtime.threads} threads)\n${rows.map(([a, b]) => `${a.padEnd(28)}${b.padStart(12)}`).join('\n')}\n`);
