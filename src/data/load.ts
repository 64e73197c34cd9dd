import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Dataset, Split } from './dataset.js';
import { loadCsv } from './csv.js';
import { DataError } from './errors.js';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist, loadIdxDir } from './idx.js';
import { loadBundledMnist } from './mnist.js';
import { hasTrainTestFolders, loadImageFolder, loadImageFolderSplit } from './images.js';
import { loadNpy } from './npy.js';
import { checkClassCount, seededSplit, SINGLE_FILE_TEST_FRACTION, splitTail, subset, validateFinite } from './ops.js';

export { DataError } from './errors.js';
export { subset, takeRows, sliceRows, splitTail, splitPermuted, seededSplit, SINGLE_FILE_TEST_FRACTION, validateFinite } from './ops.js';

/** Options for {@link loadData}. */
export interface LoadDataOptions {
  /** Directory of the Fashion-MNIST IDX files for spec `fashion-mnist` (default `/usr/share/datasets/fashion-mnist`). */
  readonly dataDir?: string;
  /** Keep only the first `limit` train rows (positive integer); the test set is unchanged. */
  readonly limit?: number;
  /** CSV/TSV only: label column (see CsvOptions.labelColumn; default: a header column named `label`). */
  readonly labelColumn?: string | number | null;
  /**
   * Data without its own test set (a CSV/TSV/NPY file, an image folder without `train/` and
   * `test/`): the fraction of rows, in (0, 1), that becomes the test split. Default 0.1.
   */
  readonly testFraction?: number;
  /**
   * Seed of the shuffled train/test split of such data (the permutation is
   * `new Rng(`${splitSeed}:split`).permutation(n)`). Default 0. `null`: the unshuffled split of
   * earlier versions, the last rows as test (kept so old runs reload the same split).
   */
  readonly splitSeed?: number | null;
}


/** How the train/test split of a dataset came about. */
export type SplitSource = 'fixed' | 'shuffled' | 'tail';

/**
 * Load a train/test {@link Split} from a spec:
 * - `mnist`: the ~10k digits bundled with the `mnist` package (9003 train / 997 test, [1, 28, 28]).
 * - `fashion-mnist`: IDX files in `opts.dataDir` (default `/usr/share/datasets/fashion-mnist`).
 * - a directory holding MNIST-style IDX files (`train-images-idx3-ubyte[.gz]`, `t10k-...`).
 * - any other directory: a folder of PNG images (see images.ts): class sub-folders become
 *   labels; `train/` and `test/` sub-folders give a fixed split.
 * - a `.csv`/`.tsv`/`.txt` file (see loadCsv) or `.npy` file (see loadNpy).
 * Data without its own test set is split by a seeded permutation: `max(1, floor(n ·
 * testFraction))` rows (default 10%) become the test set (see {@link LoadDataOptions.splitSeed}).
 *
 * `opts.limit` keeps the first `limit` train rows. Every result is checked to be finite.
 * Throws {@link DataError} (one line, naming the path) for a missing path
 * (`data file not found: <path>`), unknown extension, malformed or empty data, NaN/Infinity.
 */
export function loadData(spec: string, opts: LoadDataOptions = {}): Split {
  return loadDataWithSource(spec, opts).split;
}

/** {@link loadData}, also saying whether the split was fixed by the data, shuffled, or the legacy tail split. */
export function loadDataWithSource(spec: string, opts: LoadDataOptions = {}): { split: Split; source: SplitSource } {
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1)) {
    throw new DataError(`limit must be a positive integer, got ${opts.limit}`);
  }
  const testFraction = opts.testFraction ?? SINGLE_FILE_TEST_FRACTION;
  if (!(testFraction > 0 && testFraction < 1)) throw new DataError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  const splitSeed = opts.splitSeed === undefined ? 0 : opts.splitSeed;
  const splitOne = (ds: Dataset): { split: Split; source: SplitSource } => {
    // Class ids are bounded before anything is sized by them (rows named as in the file; fixed splits are IDX, ≤ 256 classes, or image folders).
    checkClassCount(ds);
    return splitSeed === null
      ? { split: splitTail(ds, testFraction), source: 'tail' }
      : { split: seededSplit(ds, testFraction, splitSeed), source: 'shuffled' };
  };
  let result: { split: Split; source: SplitSource };
  if (spec === 'mnist') {
    result = { split: loadBundledMnist(), source: 'fixed' };
  } else if (spec === 'fashion-mnist') {
    result = { split: loadFashionMnist(opts.dataDir ?? DEFAULT_FASHION_MNIST_DIR), source: 'fixed' };
  } else {
    if (!existsSync(spec)) throw new DataError(`data file not found: ${spec}`);
    const stat = statSync(spec);
    if (!stat.isDirectory() && !stat.isFile()) throw new DataError(`${spec} is not a regular file or a folder (a device, FIFO or socket would never end); give a data file`);
    if (stat.isDirectory()) {
      if (holdsIdxFiles(spec)) result = { split: loadIdxDir(spec), source: 'fixed' };
      else if (hasTrainTestFolders(spec)) result = { split: loadImageFolderSplit(spec), source: 'fixed' };
      else result = splitOne(loadImageFolder(spec));
    } else {
      result = splitOne(loadSingleFile(spec, opts));
    }
  }
  const { split } = result;
  const train = opts.limit !== undefined ? subset(split.train, opts.limit) : split.train;
  for (const ds of [train, split.test]) {
    if (ds.n === 0) throw new DataError(`${ds.name}: no rows`);
    validateFinite(ds);
  }
  return { split: { train, test: split.test }, source: result.source };
}

/** Does `dir` hold MNIST-style IDX files (`*-idx<k>-ubyte`, `*.idx<k>-ubyte`, optionally `.gz`)? */
function holdsIdxFiles(dir: string): boolean {
  return readdirSync(dir).some((f) => /[-.]idx\d-ubyte(\.gz)?$/.test(f));
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
        `unsupported data file extension '${ext || '(none)'}': ${path} (expected .csv, .tsv, .npy, a folder of PNG images or IDX files, 'mnist' or 'fashion-mnist')`,
      );
  }
}
