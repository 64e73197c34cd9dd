import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Dataset, Split } from './dataset.js';
import { loadCsv } from './csv.js';
import { DataError } from './errors.js';
import { DEFAULT_FASHION_MNIST_DIR, loadIdxDir } from './idx.js';
import { loadBundledMnist } from './mnist.js';
import { loadNpy } from './npy.js';
import { splitTail, subset, validateFinite } from './ops.js';

export { DataError } from './errors.js';
export { subset, takeRows, sliceRows, splitTail, validateFinite } from './ops.js';

/** Options for {@link loadData}. */
export interface LoadDataOptions {
  /** Directory of the Fashion-MNIST IDX files for spec `fashion-mnist` (default `/usr/share/datasets/fashion-mnist`). */
  readonly dataDir?: string;
  /** Keep only the first `limit` train rows (positive integer); the test set is unchanged. */
  readonly limit?: number;
  /** CSV/TSV only: label column (see CsvOptions.labelColumn; default: a header column named `label`). */
  readonly labelColumn?: string | number | null;
}

/** Fraction of rows that a single-file dataset (CSV/TSV/NPY) puts in its fixed test split. */
export const SINGLE_FILE_TEST_FRACTION = 0.1;

/**
 * Load a train/test {@link Split} from a spec:
 * - `mnist`: the ~10k digits bundled with the `mnist` package (9003 train / 997 test, [1, 28, 28]).
 * - `fashion-mnist`: IDX files in `opts.dataDir` (default `/usr/share/datasets/fashion-mnist`).
 * - a directory: MNIST-style IDX files (`train-images-idx3-ubyte[.gz]`, `t10k-...`).
 * - a `.csv`/`.tsv`/`.txt` file (see loadCsv) or `.npy` file (see loadNpy): the last
 *   `max(1, floor(10%))` rows form the test set, the rest train (no shuffling).
 *
 * `opts.limit` keeps the first `limit` train rows. Every result is checked to be finite.
 * Throws {@link DataError} (one line, naming the path) for a missing path
 * (`data file not found: <path>`), unknown extension, malformed or empty data, NaN/Infinity.
 */
export function loadData(spec: string, opts: LoadDataOptions = {}): Split {
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1)) {
    throw new DataError(`limit must be a positive integer, got ${opts.limit}`);
  }
  let split: Split;
  if (spec === 'mnist') {
    split = loadBundledMnist();
  } else if (spec === 'fashion-mnist') {
    split = loadIdxDir(opts.dataDir ?? DEFAULT_FASHION_MNIST_DIR, 'fashion-mnist');
  } else {
    if (!existsSync(spec)) throw new DataError(`data file not found: ${spec}`);
    if (statSync(spec).isDirectory()) {
      split = loadIdxDir(spec);
    } else {
      split = splitTail(loadSingleFile(spec, opts), SINGLE_FILE_TEST_FRACTION);
    }
  }
  const train = opts.limit !== undefined ? subset(split.train, opts.limit) : split.train;
  for (const ds of [train, split.test]) {
    if (ds.n === 0) throw new DataError(`${ds.name}: no rows`);
    validateFinite(ds);
  }
  return { train, test: split.test };
}

/** Load one `.csv`/`.tsv`/`.tab`/`.txt`/`.npy` file as a single {@link Dataset}; throws {@link DataError} otherwise. */
export function loadSingleFile(path: string, opts: Pick<LoadDataOptions, 'labelColumn'> = {}): Dataset {
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.csv':
    case '.tsv':
    case '.tab':
    case '.txt':
      return opts.labelColumn !== undefined ? loadCsv(path, { labelColumn: opts.labelColumn }) : loadCsv(path);
    case '.npy':
      return loadNpy(path);
    default:
      throw new DataError(
        `unsupported data file extension '${ext || '(none)'}': ${path} (expected .csv, .tsv, .npy, a directory of IDX files, 'mnist' or 'fashion-mnist')`,
      );
  }
}
