/**
 * Averages a program's scalar outputs over a dataset in batches, weighting each batch by
 * its size: per-sample means over the whole set. Noise inputs (a VAE's reparameterisation,
 * a DAE's corruption) come from `rng`, so an evaluation with a fixed seed is repeatable.
 */
import type { Dataset } from '../data/dataset.js';
import type { NoiseSpec } from '../nn/builder.js';
import type { Rng } from '../nn/rng.js';
import type { Program, Tensor } from '../runtime/program.js';
import { BatchFeeder } from './batches.js';

export interface EvalInputs {
  readonly program: Program;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly noises: readonly NoiseSpec[];
  /** Parameters and scheduled scalars to feed alongside each batch. */
  readonly feeds: Readonly<Record<string, Tensor>>;
}

export async function averageOverData(e: EvalInputs, data: Dataset, rng: Rng, batchSize = 500): Promise<Record<string, number>> {
  const feeder = new BatchFeeder(data, e.inputShape, e.numClasses, e.noises, '', { backend: e.program.backend });
  const sums: Record<string, number> = {};
  for (let start = 0; start < data.n; start += batchSize) {
    const count = Math.min(batchSize, data.n - start);
    const out = await e.program.run({ ...e.feeds, ...feeder.fill(null, start, count, rng) });
    for (const [k, v] of Object.entries(out)) sums[k] = (sums[k] ?? 0) + (v.data as Float32Array)[0]! * count;
  }
  for (const k of Object.keys(sums)) sums[k] = sums[k]! / data.n;
  return sums;
}
