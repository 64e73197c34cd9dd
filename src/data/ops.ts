import { type Dataset, sampleSize } from './dataset.js';
import { DataError } from './errors.js';
import { Rng } from '../nn/rng.js';

/**
 * Most classes a labelled dataset may have. Labels are class ids 0..K−1 and K = max label + 1
 * sizes one-hot inputs and class weights (a CVAE's first layers take [B, K] one-hots; a probe
 * fits K-way logistic regression), so one stray label of 100000 made a CVAE allocate 4.7 GB.
 */
export const MAX_CLASSES = 10_000;

/** Throws {@link DataError} naming the first row (0-based) whose label makes more than {@link MAX_CLASSES} classes. */
export function checkClassCount(ds: Dataset): void {
  if (ds.labels === undefined || (ds.numClasses ?? 0) <= MAX_CLASSES) return;
  const row = ds.labels.findIndex((l) => l >= MAX_CLASSES);
  const label = row >= 0 ? ds.labels[row]! : (ds.numClasses ?? 0) - 1;
  throw new DataError(`${ds.name}: label ${label}${row >= 0 ? ` at row ${row}` : ''} makes ${label + 1} classes; at most ${MAX_CLASSES} are supported (labels are class ids 0..K-1)`);
}

/**
 * Throw {@link DataError} naming the first row/column whose value is NaN or ±Infinity.
 * Row and column are 0-based; the column indexes the flattened sample (length prod(sampleShape)).
 * Also checks `x.length === n * prod(sampleShape)` and label count/range when labels are present.
 */
export function validateFinite(ds: Dataset): void {
  const dim = sampleSize(ds);
  if (ds.x.length !== ds.n * dim) {
    throw new DataError(`${ds.name}: x has ${ds.x.length} values, expected n*dim = ${ds.n}*${dim} = ${ds.n * dim}`);
  }
  const x = ds.x;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      const row = Math.floor(i / dim);
      throw new DataError(`${ds.name}: non-finite value ${x[i]} at row ${row}, column ${i - row * dim}`);
    }
  }
  if (ds.labels !== undefined) {
    if (ds.labels.length !== ds.n) {
      throw new DataError(`${ds.name}: ${ds.labels.length} labels for ${ds.n} rows`);
    }
    const k = ds.numClasses;
    for (let i = 0; i < ds.n; i++) {
      const l = ds.labels[i]!;
      if (l < 0 || (k !== undefined && l >= k)) {
        throw new DataError(`${ds.name}: label ${l} at row ${i} is outside [0, ${k ?? '?'})`);
      }
    }
  }
}

/**
 * New dataset holding rows `indices` (in that order, repeats allowed) of `ds`; copies the data.
 * Throws RangeError on an out-of-range or non-integer index.
 */
export function takeRows(ds: Dataset, indices: ArrayLike<number>, name: string = ds.name): Dataset {
  const dim = sampleSize(ds);
  const x = new Float32Array(indices.length * dim);
  const labels = ds.labels !== undefined ? new Int32Array(indices.length) : undefined;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new RangeError(`takeRows: index ${i} out of range [0, ${ds.n})`);
    x.set(ds.x.subarray(i * dim, (i + 1) * dim), j * dim);
    if (labels !== undefined) labels[j] = ds.labels![i]!;
  }
  return withRows(ds, name, indices.length, x, labels);
}

/**
 * The first `min(n, ds.n)` rows of `ds` (copied). `n` must be a non-negative integer.
 * Returns `ds` itself when it already has at most `n` rows.
 */
export function subset(ds: Dataset, n: number, name: string = ds.name): Dataset {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`subset: n must be a non-negative integer, got ${n}`);
  if (n >= ds.n) return ds;
  return sliceRows(ds, 0, n, name);
}

/** Rows `[start, end)` of `ds` as a new dataset (copied). Throws RangeError if out of bounds. */
export function sliceRows(ds: Dataset, start: number, end: number, name: string = ds.name): Dataset {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ds.n || start > end) {
    throw new RangeError(`sliceRows: [${start}, ${end}) out of range for ${ds.n} rows`);
  }
  const dim = sampleSize(ds);
  const x = ds.x.slice(start * dim, end * dim);
  const labels = ds.labels?.slice(start, end);
  return withRows(ds, name, end - start, x, labels);
}

/**
 * Fixed, unshuffled split of one dataset: the last `max(1, floor(n * testFraction))` rows become
 * the test set, the rest the train set. Names get ` [train]` / ` [test]` appended.
 * Throws {@link DataError} if `ds` has fewer than 2 rows.
 */
export function splitTail(ds: Dataset, testFraction = 0.1): { train: Dataset; test: Dataset } {
  if (ds.n < 2) throw new DataError(`${ds.name}: need at least 2 rows to make a train/test split, found ${ds.n}`);
  const nTest = testRowCount(ds.n, testFraction);
  const nTrain = ds.n - nTest;
  return {
    train: sliceRows(ds, 0, nTrain, `${ds.name} [train]`),
    test: sliceRows(ds, nTrain, ds.n, `${ds.name} [test]`),
  };
}

/**
 * Seeded shuffled split of one dataset: with `nTest = max(1, floor(n * testFraction))` (at most
 * n − 1), rows `permutation[0 .. nTest)` become the test set and `permutation[nTest .. n)` the
 * train set, each in permutation order (so a label-sorted file gives class-mixed splits, and
 * the first rows of either split are a random sample). `permutation` must be a permutation of
 * 0..n−1 (e.g. `new Rng(seed).permutation(n)`); the same permutation gives the same split.
 * Names get ` [train]` / ` [test]` appended. Throws {@link DataError} if `ds` has fewer than 2
 * rows, RangeError if `testFraction` is not in (0, 1) or the permutation has the wrong length.
 */
export function splitPermuted(ds: Dataset, testFraction: number, permutation: Int32Array): { train: Dataset; test: Dataset } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`splitPermuted: testFraction must be in (0, 1), got ${testFraction}`);
  if (permutation.length !== ds.n) throw new RangeError(`splitPermuted: permutation of ${permutation.length} for ${ds.n} rows`);
  if (ds.n < 2) throw new DataError(`${ds.name}: need at least 2 rows to make a train/test split, found ${ds.n}`);
  const nTest = testRowCount(ds.n, testFraction);
  return {
    train: takeRows(ds, permutation.subarray(nTest), `${ds.name} [train]`),
    test: takeRows(ds, permutation.subarray(0, nTest), `${ds.name} [test]`),
  };
}

/** Default fraction of rows that data without its own test set puts in the test split. */
export const SINGLE_FILE_TEST_FRACTION = 0.1;

/**
 * The seeded train/test split of data without its own test set, as `latentkit train` and the
 * browser's Train tab make it: {@link splitPermuted} by `new Rng(`${splitSeed}:split`).permutation(n)`.
 */
export function seededSplit(ds: Dataset, testFraction: number, splitSeed: number): { train: Dataset; test: Dataset } {
  return splitPermuted(ds, testFraction, new Rng(`${splitSeed}:split`).permutation(ds.n));
}

/** Test rows of a single-dataset split: `max(1, floor(n * testFraction))`, at most n − 1. */
export function testRowCount(n: number, testFraction: number): number {
  return Math.min(n - 1, Math.max(1, Math.floor(n * testFraction + 1e-9))); // + 1e-9: 0.29 * 100 is 28.999…
}

/**
 * Scale unsigned bytes to float32 in [0, 1] (`v / 255`).
 */
export function bytesToUnit(src: Uint8Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! / 255;
  return out;
}

function withRows(ds: Dataset, name: string, n: number, x: Float32Array, labels: Int32Array | undefined): Dataset {
  const base = { name, n, sampleShape: [...ds.sampleShape], x };
  if (labels === undefined) return base;
  return {
    ...base,
    labels,
    ...(ds.numClasses !== undefined && { numClasses: ds.numClasses }),
    ...(ds.classNames !== undefined && { classNames: ds.classNames }),
  };
}
