/**
 * A dataset held in memory: `n` rows of `sampleShape` float32 values, row-major in one buffer.
 *
 * Row i occupies `x.subarray(i * dim, (i + 1) * dim)` where `dim = prod(sampleShape)`.
 * Pixel data is scaled to [0, 1]. Labels, when present, are class ids in [0, numClasses).
 */
export interface Dataset {
  /** Human-readable origin, e.g. `mnist (bundled)` or a file path. */
  readonly name: string;
  /** Number of rows. */
  readonly n: number;
  /** Shape of one sample, e.g. [784] or [1, 28, 28]. */
  readonly sampleShape: readonly number[];
  /** Row-major values, length `n * prod(sampleShape)`. */
  readonly x: Float32Array;
  /** Optional class ids, length `n`. */
  readonly labels?: Int32Array;
  /** Number of classes when labels are present. */
  readonly numClasses?: number;
  /**
   * Names of the classes, index = label, when the source names them (an image folder's
   * class sub-folders, sorted). Length `numClasses`.
   */
  readonly classNames?: readonly string[];
}

/** A fixed train/test split. */
export interface Split {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Number of values in one sample: prod(sampleShape). */
export function sampleSize(ds: Pick<Dataset, 'sampleShape'>): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}
