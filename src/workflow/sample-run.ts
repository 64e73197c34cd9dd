/**
 * `sampleRun`: draws codes from a trained model's prior (N(0, I) for VAEs and AEs, the
 * AAE's chosen prior), decodes them and writes an image grid (and optionally the decoded
 * values as .npy). Conditional models (cvae, aae --conditional) draw one class, or every
 * class in turn, one class per grid column.
 */
import { join } from 'node:path';
import { encodeNpy } from '../data/npy.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { writeFileAtomic } from '../persist/atomic.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { imageGridPng } from '../viz/grid.js';
import { writePng } from '../viz/png.js';
import { loadRun, openCodec } from './load-run.js';

export interface SampleRunOptions extends RuntimeOptions {
  readonly dir: string;
  /** Number of samples (default 64). */
  readonly n?: number;
  /** Class to draw (conditional models only); default every class in turn. */
  readonly class?: number;
  /** Seed of the prior draws (default 0); `${seed}:samples` seeds the generator, as the training run's samples.png. */
  readonly seed?: number;
  /** PNG grid path; default `<dir>/samples-<class|all>.png`. */
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
  /** The PNG written, or null when the samples are not square images and only --npy was asked for. */
  readonly out: string | null;
  readonly npy?: string;
}

export async function sampleRun(opts: SampleRunOptions): Promise<SampleSummary> {
  const n = opts.n ?? 64;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--n must be a positive integer (got ${n})`);
  const seed = opts.seed ?? 0;
  const run = loadRun(opts.dir);
  const { model } = run;
  const classes = model.numClasses;
  if (opts.class !== undefined) {
    if (classes === 0) throw new UsageError(`--class: ${opts.dir} holds an unconditional ${model.family} model; only conditional models (cvae, aae --conditional) draw a chosen class`);
    if (!Number.isInteger(opts.class) || opts.class < 0 || opts.class >= classes) throw new UsageError(`--class must be in [0, ${classes - 1}] for this run (got ${opts.class})`);
  }
  const d = model.inputShape.reduce((a, b) => a * b, 1);
  const side = Math.round(Math.sqrt(d));
  const isImage = side * side === d;
  if (!isImage && (opts.out !== undefined || opts.npy === undefined)) {
    throw new UsageError(`samples of shape [${model.inputShape}] are not square grayscale images, so there is no PNG grid; write them with --npy <file>`);
  }
  const labels = classes > 0 ? Int32Array.from({ length: n }, (_, i) => opts.class ?? i % classes) : undefined;
  const codec = await openCodec(run, opts);
  let samples: Float32Array;
  try {
    samples = await codec.sample(n, new Rng(`${seed}:samples`), labels);
  } finally {
    await codec.release();
  }
  let out: string | null = null;
  if (isImage) {
    out = opts.out ?? join(opts.dir, `samples-${opts.class ?? 'all'}.png`);
    // Every class in turn: one class per column.
    const cols = classes > 0 && opts.class === undefined && classes <= 16 ? classes : Math.ceil(Math.sqrt(n));
    writePng(out, imageGridPng(samples, n, side, side, { cols, scale: 2 }));
  }
  if (opts.npy !== undefined) writeFileAtomic(opts.npy, encodeNpy(samples, [n, ...model.inputShape]));
  return { model: model.family, run: opts.dir, n, class: opts.class ?? null, seed, out, ...(opts.npy !== undefined ? { npy: opts.npy } : {}) };
}

