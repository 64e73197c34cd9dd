/**
 * A run's data, loaded the one way every job loads it: the recorded spec, label column and
 * train/test split, then the recorded transforms (binarisation, standardisation with the
 * statistics stored in the run directory). `train` fits the statistics; `eval`, the latent
 * tools and `export` re-apply them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Dataset, Split } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { loadDataWithSource, SINGLE_FILE_TEST_FRACTION } from '../data/load.js';
import { chooseStreaming } from '../data/stream/choose.js';
import { DEFAULT_SHUFFLE_BUFFER, openStreamSplit } from '../data/stream/stream-split.js';
import type { StreamingData } from '../train/stream.js';
import { applyStandardize, binarizeStatic, BINARIZE_THRESHOLD, fitStandardize, STD_FLOOR, type StandardizeStats } from '../data/transforms.js';
import { UsageError } from '../errors.js';
import { ConfigError, type DataSettings, PREPROCESS_FILE, readJsonFile, RunDir } from './run-dir.js';

/** The transforms of a run's data, with their statistics. */
export interface Preprocess {
  /** `static`: x' = [x > 0.5] for both splits; `dynamic`: training draws x' ~ Bernoulli(x) per batch. */
  readonly binarize?: 'static' | 'dynamic';
  /** Per-feature standardisation fitted on the train split. */
  readonly standardize?: StandardizeStats;
}

/** A run's split after its transforms, and the data settings to record. */
export interface RunData extends Split {
  /** The settings as used: for a new run, with the split seed (and the test fraction, where a split was made) filled in. */
  readonly settings: DataSettings;
  readonly preprocess: Preprocess;
  /**
   * Streamed data (training only): the training rows read from disk in windows; `train` then
   * holds a bounded sample of them (for pictures, probes, the report) and `close` closes the file.
   */
  readonly stream?: StreamingData;
  readonly close?: () => void;
  /** One-line notes for the user (e.g. that streaming was chosen). */
  readonly notes?: readonly string[];
}

export interface LoadRunDataOptions {
  /** New runs (`dir` undefined): the seed of the shuffled split when `settings.splitSeed` is absent (the run seed). Default 0. */
  readonly seed?: number;
  /**
   * For training: with `binarize: 'dynamic'`, leave the train split as probabilities for the
   * trainer to draw from. Otherwise both splits are thresholded at 0.5 (deterministic).
   */
  readonly training?: boolean;
}

/**
 * Loads the data of a run.
 *
 * - `dir` undefined (a new run): a missing `settings.splitSeed` becomes `opts.seed`;
 *   standardisation statistics are fitted on the train split (after `limit`).
 * - `dir` given (an existing run, e.g. resume, eval, latent tools): a missing `splitSeed` means
 *   the run predates seeded splits, so single-file data gets the old unshuffled tail split;
 *   standardisation statistics are read from `dir/preprocess.json`.
 *
 * Splitting: data without its own test set (CSV/TSV/NPY, an image folder without train/ and
 * test/) is split by a seeded permutation with `testFraction` (default 0.1) of the rows as test.
 *
 * Transforms, in order: binarise (`static`: x' = [x > 0.5] on both splits; `dynamic`: the
 * test split, and with `training` unset also the train split, thresholded the same way; the
 * trainer draws Bernoulli(x) batches from the raw train split), then standardise
 * x' = (x − μ) / σ per feature. The two cannot be combined.
 *
 * Throws {@link UsageError} for conflicting settings, {@link DataError} for bad data (values
 * outside [0, 1] for dynamic binarisation, non-finite statistics), {@link ConfigError} for a
 * missing or corrupt preprocess.json.
 */
export function loadRunData(dir: string | undefined, settings: DataSettings, opts: LoadRunDataOptions = {}): RunData {
  if (settings.binarize !== undefined && settings.standardize) {
    throw new UsageError(`--binarize and --standardize cannot be combined: binarised pixels are Bernoulli targets in {0, 1}, standardised ones are not`);
  }
  if (settings.testFraction !== undefined && !(settings.testFraction > 0 && settings.testFraction < 1)) {
    throw new UsageError(`--test-fraction must be between 0 and 1, exclusive (got ${settings.testFraction})`);
  }
  if (dir === undefined && settings.labelColumn !== undefined && !/\.(csv|tsv|tab|txt)$/i.test(settings.spec)) {
    throw new UsageError(`--label-column applies to CSV/TSV files only; ${settings.spec} is not one (image folders take labels from class sub-folders)`);
  }
  const splitSeed = settings.splitSeed ?? (dir === undefined ? (opts.seed ?? 0) : null);
  const streaming = dir === undefined ? chooseStreaming(settings.spec, settings.stream) : { stream: settings.stream ?? false };
  if (streaming.stream) return loadStreamedRunData(dir, settings, splitSeed ?? 0, opts, streaming.note);
  if (settings.shuffleBuffer !== undefined) throw new UsageError(`--shuffle-buffer applies to streamed data; add --stream (for a .npy file or a folder of uncompressed IDX files)`);
  const { split, source } = loadDataWithSource(settings.spec, {
    ...(settings.dataDir !== undefined && { dataDir: settings.dataDir }),
    ...(settings.limit !== undefined && { limit: settings.limit }),
    ...(settings.labelColumn !== undefined && { labelColumn: settings.labelColumn }),
    testFraction: settings.testFraction ?? SINGLE_FILE_TEST_FRACTION,
    splitSeed,
  });
  if (source === 'fixed' && settings.testFraction !== undefined && dir === undefined) {
    throw new UsageError(`--test-fraction applies to data without its own test set (a CSV/TSV/NPY file or an image folder without train/ and test/); ${settings.spec} has a fixed train/test split`);
  }
  const recorded: DataSettings = {
    ...settings,
    ...(splitSeed !== null && { splitSeed }),
    ...(source !== 'fixed' && { testFraction: settings.testFraction ?? SINGLE_FILE_TEST_FRACTION }),
  };

  let { train, test } = split;
  if (settings.binarize !== undefined) {
    if (settings.binarize === 'dynamic') checkUnitInterval(train);
    test = binarizeStatic(test, IN_PLACE);
    if (settings.binarize === 'static' || !opts.training) train = binarizeStatic(train, IN_PLACE);
  }
  let standardize: StandardizeStats | undefined;
  if (settings.standardize) {
    standardize = dir === undefined ? fitStandardize(train) : readStandardize(dir);
    train = applyStandardize(train, standardize, IN_PLACE);
    test = applyStandardize(test, standardize, IN_PLACE);
  }
  const preprocess: Preprocess = {
    ...(settings.binarize !== undefined && { binarize: settings.binarize }),
    ...(standardize !== undefined && { standardize }),
  };
  return { train, test, settings: recorded, preprocess };
}

/**
 * The data of a run streamed from disk (see data/stream/stream-split.ts for the bounded test
 * split and training sample). Binarisation works as in memory (static: thresholded as rows are
 * decoded; dynamic: float32 rows are checked to lie in [0, 1] as they are read). Standardisation
 * needs whole-set statistics and is refused. With `training` unset (eval, latent tools) the file
 * is closed and only the in-memory sample and test split are returned.
 */
function loadStreamedRunData(dir: string | undefined, settings: DataSettings, splitSeed: number, opts: LoadRunDataOptions, note: string | undefined): RunData {
  if (settings.standardize) throw new UsageError(`--standardize needs statistics over the whole training set, which streaming never holds; standardise the file beforehand, or train in memory (without --stream)`);
  const shuffleBuffer = settings.shuffleBuffer ?? DEFAULT_SHUFFLE_BUFFER;
  const s = openStreamSplit(settings.spec, {
    shuffleBuffer,
    testFraction: settings.testFraction ?? SINGLE_FILE_TEST_FRACTION,
    splitSeed,
    ...(settings.limit !== undefined && { limit: settings.limit }),
    ...(settings.binarize !== undefined && { binarize: settings.binarize }),
  });
  try {
    if (s.source === 'fixed' && settings.testFraction !== undefined && dir === undefined) {
      throw new UsageError(`--test-fraction applies to data without its own test set (a .npy file); ${settings.spec} has a fixed train/test split`);
    }
    let { train, test } = s;
    if (settings.binarize !== undefined) {
      test = binarizeStatic(test, IN_PLACE);
      if (settings.binarize === 'static' || !opts.training) train = binarizeStatic(train, IN_PLACE);
    }
    const recorded: DataSettings = { ...settings, stream: true, shuffleBuffer, splitSeed, ...(s.source !== 'fixed' && { testFraction: settings.testFraction ?? SINGLE_FILE_TEST_FRACTION }) };
    const preprocess: Preprocess = settings.binarize !== undefined ? { binarize: settings.binarize } : {};
    if (!opts.training) {
      s.close();
      return { train, test, settings: recorded, preprocess };
    }
    return { train, test, settings: recorded, preprocess, stream: s.stream, close: s.close, ...(note !== undefined && { notes: [note] }) };
  } catch (e) {
    s.close();
    throw e;
  }
}

/** loadData returns arrays nobody else holds, so the transforms may overwrite them (saving a copy of the data). */
const IN_PLACE = { inPlace: true } as const;

/** Dynamic binarisation reads values as probabilities: every one must lie in [0, 1]. */
function checkUnitInterval(ds: Dataset): void {
  const d = ds.x.length / Math.max(1, ds.n);
  const bad = ds.x.findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) {
    const row = Math.floor(bad / d);
    throw new DataError(`${ds.name}: --binarize dynamic needs values in [0, 1] (probabilities), but row ${row}, column ${bad - row * d} is ${ds.x[bad]}; rescale the data or use --binarize static`);
  }
}

const preprocessFileSchema = z
  .object({
    standardize: z
      .object({
        features: z.number().int().positive(),
        stdFloor: z.number().positive(),
        mean: z.array(z.number()),
        std: z.array(z.number().positive()),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Writes the statistics of `preprocess` to `dir/preprocess.json`, for a new run (see {@link RunDir.writePreprocess}). */
export function writeRunPreprocess(dir: string, preprocess: Preprocess): void {
  new RunDir(dir).writePreprocess(preprocess);
}

/** The transforms of an existing run, with its stored statistics (for export). */
export function readRunPreprocess(dir: string, settings: DataSettings): Preprocess {
  return {
    ...(settings.binarize !== undefined && { binarize: settings.binarize }),
    ...(settings.standardize && { standardize: readStandardize(dir) }),
  };
}

function readStandardize(dir: string): StandardizeStats {
  const path = join(dir, PREPROCESS_FILE);
  if (!existsSync(path)) throw new ConfigError(`${dir}: the run standardises its data but ${PREPROCESS_FILE} with the statistics is missing; retrain the run`);
  const parsed = preprocessFileSchema.safeParse(readJsonFile(path));
  const s = parsed.success ? parsed.data.standardize : undefined;
  if (!parsed.success || s === undefined || s.mean.length !== s.features || s.std.length !== s.features) {
    throw new ConfigError(`${path}: expected {"standardize": {"features": d, "mean": [d numbers], "std": [d positive numbers]}}`);
  }
  return { mean: Float32Array.from(s.mean), std: Float32Array.from(s.std) };
}

/**
 * The `preprocess` entry of an export's model.json: what to do to raw inputs before
 * `encoder.onnx` (and, for standardisation, to `xhat` after `decoder.onnx`), with the statistics.
 */
export function describePreprocess(preprocess: Preprocess): Record<string, unknown> {
  const steps: Record<string, unknown>[] = [];
  if (preprocess.binarize === 'static') {
    steps.push({ op: 'binarize', mode: 'static', threshold: BINARIZE_THRESHOLD, apply: "x' = x > 0.5 ? 1 : 0, elementwise" });
  } else if (preprocess.binarize === 'dynamic') {
    steps.push({
      op: 'binarize',
      mode: 'dynamic',
      threshold: BINARIZE_THRESHOLD,
      apply: "x' = x > 0.5 ? 1 : 0, elementwise (as latentkit's eval does); training fed fresh draws x' ~ Bernoulli(x) per batch",
    });
  }
  if (preprocess.standardize !== undefined) {
    steps.push({
      op: 'standardize',
      apply: "x'[j] = (x[j] - mean[j]) / std[j] for each value j of the flattened sample (row-major over inputShape)",
      invert: 'x[j] = xhat[j] * std[j] + mean[j] maps decoder.onnx outputs back to data units',
      stdFloor: STD_FLOOR,
      mean: Array.from(preprocess.standardize.mean),
      std: Array.from(preprocess.standardize.std),
    });
  }
  return {
    input: 'x as latentkit loads it: PNG/IDX/bundled pixels as v/255 in [0, 1] (channels first), CSV/TSV values as written, .npy u1 as v/255, other .npy dtypes as stored',
    steps,
  };
}
