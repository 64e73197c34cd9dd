/**
 * `sampleRun`: decodes codes drawn from a prior (see prior-codes.ts: the model's own prior, or
 * a Gaussian mixture fitted to the training codes for families without one), optionally at a
 * temperature, and writes an image grid (and optionally the decoded values as .npy).
 * Conditional models (cvae, aae --conditional) draw one class, or every class in turn, one
 * class per grid row.
 */
import { join } from 'node:path';
import { encodeNpy } from '../data/npy.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../persist/atomic.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { imageLayout } from '../viz/image-layout.js';
import { loadRun, openCodec } from './load-run.js';
import { writeGrid } from './pictures.js';
import { drawPriorCodes, planPrior, type PriorChoice } from './prior-codes.js';
import { loadRunSplit } from './run-split.js';

export interface SampleRunOptions extends RuntimeOptions {
  readonly dir: string;
  /** Number of samples (default 64; conditional models round up to a whole row per class). */
  readonly n?: number;
  /** Class to draw (conditional models only); default every class in turn, one per row. */
  readonly class?: number;
  /** Seed of the prior draws (default 0); `${seed}:samples` seeds the generator, as the training run's samples.png. */
  readonly seed?: number;
  /** `normal` (the model's prior) or `gmm` (a mixture fitted to the training codes); default the model's prior, or gmm for families without one. */
  readonly prior?: PriorChoice;
  /** Scales the prior's standard deviation (default 1). */
  readonly temperature?: number;
  /** PNG grid path; default `<run>/samples-<class|all>.png`. */
  readonly out?: string;
  /** Also write the decoded samples as a float32 .npy of shape [n, ...inputShape]. */
  readonly npy?: string;
}

export interface SampleSummary {
  readonly model: string;
  readonly run: string;
  readonly n: number;
  readonly class: number | null;
  readonly seed: number;
  readonly prior: PriorChoice;
  readonly temperature: number;
  /** Set when the prior means little for this family (N(0, I) for a plain AE). */
  readonly warning?: string;
  /** The PNG written, or null when the samples are not images and only --npy was asked for. */
  readonly out: string | null;
  readonly npy?: string;
}

/** Largest number of samples one call decodes (the grid and .npy hold them all in memory). */
export const MAX_SAMPLES = 100_000;

export async function sampleRun(opts: SampleRunOptions): Promise<SampleSummary> {
  const requested = opts.n ?? 64;
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_SAMPLES) throw new UsageError(`--n must be an integer in [1, ${MAX_SAMPLES}] (got ${requested})`);
  const seed = opts.seed ?? 0;
  const temperature = opts.temperature ?? 1;
  const run = loadRun(opts.dir);
  const { model } = run;
  const plan = planPrior(run.config.model, opts.prior, temperature);
  const classes = model.numClasses;
  if (opts.class !== undefined) {
    if (classes === 0) throw new UsageError(`--class: ${opts.dir} holds an unconditional ${model.family} model; only conditional models (cvae, aae --conditional) draw a chosen class`);
    if (!Number.isInteger(opts.class) || opts.class < 0 || opts.class >= classes) throw new UsageError(`--class must be in [0, ${classes - 1}] for this run (got ${opts.class})`);
  }
  const layout = imageLayout(model.inputShape);
  if (!layout && (opts.out !== undefined || opts.npy === undefined)) {
    throw new UsageError(`samples of shape [${model.inputShape}] are not images, so there is no PNG grid; write them with --npy <file>`);
  }
  // Every class in turn: one class per row, ceil(n / classes) samples each.
  const perClass = classes > 0 && opts.class === undefined ? Math.ceil(requested / classes) : 0;
  const n = perClass > 0 ? perClass * classes : requested;
  const labels = classes > 0 ? Int32Array.from({ length: n }, (_, i) => opts.class ?? Math.floor(i / perClass)) : undefined;
  const codec = await openCodec(run, opts);
  let samples: Float32Array;
  try {
    const z = await drawPriorCodes(codec, plan, { n, seed, temperature, train: () => loadRunSplit(run).train, labels });
    samples = await codec.decode(z, n, labels);
  } finally {
    await codec.release();
  }
  let out: string | null = null;
  if (layout) {
    out = opts.out ?? join(opts.dir, `samples-${opts.class ?? 'all'}.png`);
    writeGrid(out, samples, n, layout, { cols: perClass > 0 ? perClass : Math.ceil(Math.sqrt(n)) });
  }
  if (opts.npy !== undefined) writeFileAtomic(opts.npy, encodeNpy(samples, [n, ...model.inputShape]));
  return {
    model: model.family,
    run: opts.dir,
    n,
    class: opts.class ?? null,
    seed,
    prior: plan.prior,
    temperature,
    ...(plan.warning && { warning: plan.warning }),
    out,
    ...(opts.npy !== undefined ? { npy: opts.npy } : {}),
  };
}
