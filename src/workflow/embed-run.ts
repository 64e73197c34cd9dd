/**
 * `embedRun`: the code of every sample of a split (μ for VAEs) with its label, written as
 * float32 `.npy` [n, k] (labels beside it as `<name>-labels.npy`, float32 [n]) or as CSV with
 * columns `index, z0..z{k−1}[, label]`.
 */
import { extname, join } from 'node:path';
import { encodeNpy } from '../data/npy.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../persist/atomic.js';
import { encodeSplit, openLatent, type LatentOptions, type SplitName } from './latent-context.js';

export interface EmbedRunOptions extends LatentOptions {
  readonly split?: SplitName;
  /** `.npy` or `.csv`; default `<run>/codes-<split>.npy`. */
  readonly out?: string;
}

export interface EmbedSummary {
  readonly model: string;
  readonly run: string;
  readonly split: SplitName;
  readonly n: number;
  readonly k: number;
  /** `mu` (posterior mean) for VAEs, else `z`. */
  readonly code: 'mu' | 'z';
  readonly seconds: number;
  readonly samples_per_sec: number;
  readonly out: string;
  readonly labels?: string;
}

export function codesCsv(z: Float32Array, n: number, k: number, labels?: Int32Array): string {
  const header = ['index', ...Array.from({ length: k }, (_, d) => `z${d}`), ...(labels ? ['label'] : [])].join(',');
  const lines = [header];
  for (let i = 0; i < n; i++) {
    const cells = [String(i)];
    for (let d = 0; d < k; d++) cells.push(String(z[i * k + d]));
    if (labels) cells.push(String(labels[i]));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

export async function embedRun(opts: EmbedRunOptions): Promise<EmbedSummary> {
  const split = opts.split ?? 'test';
  const out = opts.out ?? join(opts.dir, `codes-${split}.npy`);
  const ext = extname(out).toLowerCase();
  if (ext !== '.npy' && ext !== '.csv') throw new UsageError(`--out must end in .npy or .csv (got ${out})`);
  const ctx = await openLatent(opts);
  try {
    const t0 = performance.now();
    const codes = await encodeSplit(ctx, split);
    const seconds = (performance.now() - t0) / 1000;
    const labels = codes.data.labels;
    let labelsPath: string | undefined;
    if (ext === '.csv') {
      writeFileAtomic(out, codesCsv(codes.z, codes.n, codes.k, labels));
    } else {
      writeFileAtomic(out, encodeNpy(codes.z, [codes.n, codes.k]));
      if (labels) {
        labelsPath = out.replace(/\.npy$/i, '-labels.npy');
        writeFileAtomic(labelsPath, encodeNpy(Float32Array.from(labels), [codes.n]));
      }
    }
    return {
      model: ctx.run.model.family,
      run: opts.dir,
      split,
      n: codes.n,
      k: codes.k,
      code: codes.posterior ? 'mu' : 'z',
      seconds,
      samples_per_sec: codes.n / seconds,
      out,
      ...(labelsPath && { labels: labelsPath }),
    };
  } finally {
    await ctx.release();
  }
}
