/**
 * Value transforms applied to loaded data: static binarisation and per-feature standardisation
 * with statistics fitted on the train split. Pure functions: each returns a new dataset.
 * (Dynamic binarisation, a fresh Bernoulli draw per training batch, lives in the trainer's
 * batch feeder, src/train/batches.ts.)
 */
import { type Dataset, sampleSize } from './dataset.js';
import { DataError } from './errors.js';

/** Threshold of static binarisation: x' = 1 if x > 0.5, else 0. */
export const BINARIZE_THRESHOLD = 0.5;

/**
 * Features whose train standard deviation is below this are scaled by 1 instead (they are
 * only centred), as scikit-learn's StandardScaler does for zero-variance features: dividing by
 * a tiny σ would blow up any test value that differs from the constant.
 */
export const STD_FLOOR = 1e-6;

/** Per-feature statistics of standardisation, one entry per value of the flattened sample. */
export interface StandardizeStats {
  /** μ_j, the train mean of feature j (float32). */
  readonly mean: Float32Array;
  /** σ_j, the divisor of feature j: the train standard deviation, or 1 where that is below {@link STD_FLOOR} (float32). */
  readonly std: Float32Array;
}

/** Options of the transforms. */
export interface TransformOptions {
  /** Overwrite `ds.x` instead of allocating a new array (only for data nobody else holds; saves a copy of the data). */
  readonly inPlace?: boolean;
}

/** x' = 1 if x > 0.5 else 0, elementwise (Salakhutdinov & Murray 2008 use a fixed binarisation like this). */
export function binarizeStatic(ds: Dataset, opts: TransformOptions = {}): Dataset {
  const x = opts.inPlace ? ds.x : new Float32Array(ds.x.length);
  const src = ds.x;
  for (let i = 0; i < src.length; i++) x[i] = src[i]! > BINARIZE_THRESHOLD ? 1 : 0;
  return { ...ds, x };
}

/**
 * Fits standardisation on `train`: μ_j = (1/n) Σ_i x_ij and the population standard deviation
 * σ_j = sqrt((1/n) Σ_i (x_ij − μ_j)²), accumulated in float64 (two passes), then stored as
 * float32 with σ_j < {@link STD_FLOOR} replaced by 1. Throws {@link DataError} naming the first
 * feature whose statistics are not finite (NaN or ±Infinity in the data).
 */
export function fitStandardize(train: Dataset): StandardizeStats {
  const d = sampleSize(train);
  const { n, x } = train;
  if (n === 0) throw new DataError(`${train.name}: no rows to compute standardisation statistics from`);
  const sum = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) sum[j]! += x[row + j]!;
  }
  const mu = sum.map((s) => s / n);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const c = x[row + j]! - mu[j]!;
      sq[j]! += c * c;
    }
  }
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(sq[j]! / n);
    if (!Number.isFinite(mu[j]!) || !Number.isFinite(s)) {
      throw new DataError(`${train.name}: feature ${j} has a non-finite ${Number.isFinite(mu[j]!) ? 'standard deviation' : 'mean'} (${Number.isFinite(mu[j]!) ? s : mu[j]}); the data holds NaN or Infinity`);
    }
    mean[j] = mu[j]!;
    std[j] = s < STD_FLOOR ? 1 : s;
  }
  return { mean, std };
}

/**
 * x'_ij = (x_ij − μ_j) / σ_j, computed in float64 and rounded to float32, so the same stats
 * give the same bits every time. Throws {@link DataError} if the stats do not match the sample
 * size, or a result is not finite (naming the row and feature).
 */
export function applyStandardize(ds: Dataset, stats: StandardizeStats, opts: TransformOptions = {}): Dataset {
  const d = sampleSize(ds);
  if (stats.mean.length !== d || stats.std.length !== d) {
    throw new DataError(`${ds.name}: samples have ${d} values, but the standardisation statistics have ${stats.mean.length}; use the data the run was trained on`);
  }
  const x = opts.inPlace ? ds.x : new Float32Array(ds.x.length);
  const src = ds.x;
  const { mean, std } = stats;
  for (let i = 0; i < ds.n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const v = Math.fround((src[row + j]! - mean[j]!) / std[j]!);
      if (!Number.isFinite(v)) throw new DataError(`${ds.name}: standardised value at row ${i}, feature ${j} is ${v}; the data holds NaN, Infinity or values too large for float32`);
      x[row + j] = v;
    }
  }
  return { ...ds, x };
}
