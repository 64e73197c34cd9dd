/**
 * Importance-weighted log-likelihood (IWAE bound, Burda et al. 2016, eq. 8):
 *   log p(x) ≥ L_K(x) = E[ log (1/K) Σ_{k=1..K} w_k ],  w_k = p(x, z_k) / q(z_k|x),  z_k ~ q(z|x)
 * L_1 is the ELBO; L_K tightens as K grows. Reported as the negative bound in nats per sample.
 */
import type { Dataset } from '../data/dataset.js';
import { Graph, type Value } from '../graph/graph.js';
import type { AutoencoderModel } from '../models/types.js';
import { Builder } from '../nn/builder.js';
import type { Rng } from '../nn/rng.js';
import { Program, type RuntimeOptions } from '../runtime/program.js';
import { BatchFeeder } from '../train/batches.js';
import type { ParamSource } from './codec.js';

/** A model that can give the log importance weight of one posterior draw per sample. */
export interface ImportanceWeighted {
  logImportanceWeight(b: Builder, x: Value, y?: Value): Value;
}

export function isImportanceWeighted(m: object): m is ImportanceWeighted {
  return typeof (m as Partial<ImportanceWeighted>).logImportanceWeight === 'function';
}

/** −L_K averaged over `data` (nats per sample), with K draws per sample. */
export async function iwaeNll(
  model: AutoencoderModel & ImportanceWeighted,
  params: ParamSource,
  data: Dataset,
  k: number,
  rng: Rng,
  runtime: RuntimeOptions,
  batchSize = 500,
  onProgress?: (samplesDone: number, total: number) => void,
): Promise<number> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`--iw must be a positive integer (got ${k})`);
  const g = new Graph();
  const b = new Builder(g, 'eval');
  const x = g.input('x', ['B', ...model.inputShape]);
  const y = model.numClasses > 0 ? g.input('y', ['B', model.numClasses]) : undefined;
  const program = await Program.compile(`${model.family}.iwae`, { logw: model.logImportanceWeight(b, x, y) }, runtime);
  try {
    const feeder = new BatchFeeder(data, model.inputShape, model.numClasses, [...b.noises.values()].map((n) => n.spec), '', { backend: program.backend });
    let total = 0;
    for (let start = 0; start < data.n; start += batchSize) {
      const count = Math.min(batchSize, data.n - start);
      const logw = new Float64Array(count * k);
      for (let j = 0; j < k; j++) {
        const out = await program.run({ ...params.feeds(), ...feeder.fill(null, start, count, rng) });
        const lw = out['logw']!.data as Float32Array;
        for (let i = 0; i < count; i++) logw[i * k + j] = lw[i]!;
      }
      for (let i = 0; i < count; i++) {
        let max = -Infinity;
        for (let j = 0; j < k; j++) max = Math.max(max, logw[i * k + j]!);
        let sum = 0;
        for (let j = 0; j < k; j++) sum += Math.exp(logw[i * k + j]! - max);
        total += -(max + Math.log(sum / k));
      }
      onProgress?.(start + count, data.n);
    }
    return total / data.n;
  } finally {
    await program.release();
  }
}
