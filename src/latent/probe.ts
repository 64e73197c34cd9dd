/**
 * Probes: how useful features (a model's codes, PCA codes, raw pixels) are for the labels.
 *
 * - k-NN: test accuracy of a k-nearest-neighbour vote (Euclidean, on the features as they
 *   are, k = 5) over the training features; see `KnnClassifier`.
 * - Linear probe: multinomial logistic regression on standardised features,
 *   z = (x − μ)/σ with μ, σ from the training features (σ below data/transforms.ts STD_FLOOR, 1e-6 → 1; the same standardisation as --standardize), trained by our own
 *   engine: `Classifier` with no hidden layer (one dense layer W z + b, softmax
 *   cross-entropy), Adam, seeded. Reported is its test accuracy.
 * Both are standard ways to read representation quality (e.g. Alain & Bengio 2016 for
 * linear probes; k-NN evaluation as in Wu et al. 2018).
 */
import type { Dataset, Split } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { applyStandardize, fitStandardize } from '../data/transforms.js';
import { UsageError } from '../errors.js';
import { Classifier, classifierConfigSchema } from '../models/classifier/model.js';
import { Rng } from '../nn/rng.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { fit } from '../train/fit.js';
import { DEFAULT_KNN_K, KnnClassifier } from './knn.js';
import { Pca } from './pca.js';

/** Row-major features with one label per row. */
export interface LabelledFeatures {
  readonly x: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly labels: Int32Array;
}

/** Test accuracies in [0, 1]. */
export interface ProbeScores {
  readonly knn: number;
  readonly linear: number;
}

export interface LinearProbeOptions {
  /** Epochs of Adam (default 20). */
  readonly epochs?: number;
  /** Learning rate (default 1e-2). */
  readonly lr?: number;
  /** Batch size (default 256). */
  readonly batchSize?: number;
}

export interface ProbeOptions {
  /** Neighbours of the k-NN probe (default 5). */
  readonly k?: number;
  /** Reference rows of the k-NN probe: a seeded subset of the training rows (default: all). */
  readonly knnMaxTrain?: number;
  /** Probe only the first `maxTest` test rows (default: all). */
  readonly maxTest?: number;
  /** Seed of the linear probe's initialisation and shuffling and of the k-NN subset (default 0). */
  readonly seed?: number;
  readonly linear?: LinearProbeOptions;
  readonly runtime: RuntimeOptions;
}

export const LINEAR_PROBE_DEFAULTS = { epochs: 20, lr: 1e-2, batchSize: 256 } as const;

function check(f: LabelledFeatures, what: string, numClasses: number): void {
  if (f.x.length !== f.n * f.d) throw new RangeError(`probe: ${what} has ${f.x.length} values, not ${f.n} × ${f.d}`);
  if (f.labels.length !== f.n) throw new RangeError(`probe: ${what} has ${f.labels.length} labels for ${f.n} rows`);
  if (f.n < 1) throw new UsageError(`probe: the ${what} split is empty`);
  for (let i = 0; i < f.n; i++) {
    const l = f.labels[i]!;
    if (!(Number.isInteger(l) && l >= 0 && l < numClasses)) throw new RangeError(`probe: ${what} label ${l} of row ${i} is outside [0, ${numClasses})`);
  }
}

function head(f: LabelledFeatures, max: number | undefined): LabelledFeatures {
  if (max === undefined || max >= f.n) return f;
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`probe: maxTest must be a positive integer (got ${max})`);
  return { x: f.x.subarray(0, max * f.d), n: max, d: f.d, labels: f.labels.subarray(0, max) };
}

/**
 * Test accuracy of a multinomial logistic regression trained on standardised `train`
 * features (see the module comment), in [0, 1].
 */
export async function linearProbe(train: LabelledFeatures, test: LabelledFeatures, numClasses: number, opts: Pick<ProbeOptions, 'seed' | 'linear' | 'runtime'>): Promise<number> {
  const { epochs, lr, batchSize } = { ...LINEAR_PROBE_DEFAULTS, ...opts.linear };
  const raw = (f: LabelledFeatures, name: string): Dataset => ({ name, n: f.n, sampleShape: [f.d], x: f.x, labels: f.labels, numClasses });
  // The same standardisation as the data's --standardize: train statistics, applied to both.
  const stats = fitStandardize(raw(train, 'probe.train'));
  const asDataset = (f: LabelledFeatures, name: string): Dataset => applyStandardize(raw(f, name), stats);
  const model = new Classifier(classifierConfigSchema.parse({ inputShape: [train.d], hidden: [], numClasses, scope: 'probe' }));
  const trainer = await fit(model, asDataset(train, 'probe.train'), { epochs, batchSize, seed: opts.seed ?? 0, optimizer: { kind: 'adam', lr }, ...opts.runtime });
  try {
    return (await trainer.evaluate(asDataset(test, 'probe.test')))['accuracy']!;
  } finally {
    await trainer.release();
  }
}

/** k-NN and linear-probe test accuracies of one kind of features. */
export async function probeFeatures(train: LabelledFeatures, test: LabelledFeatures, numClasses: number, opts: ProbeOptions): Promise<ProbeScores> {
  check(train, 'train', numClasses);
  check(test, 'test', numClasses);
  if (train.d !== test.d) throw new RangeError(`probe: train has ${train.d} features, test ${test.d}`);
  const t = head(test, opts.maxTest);
  const knn = await KnnClassifier.fit(train.x, train.n, train.d, train.labels, numClasses, {
    k: opts.k ?? DEFAULT_KNN_K,
    maxTrain: opts.knnMaxTrain,
    seed: opts.seed,
    runtime: opts.runtime,
  });
  let knnAcc: number;
  try {
    knnAcc = await knn.accuracy(t.x, t.n, t.labels);
  } finally {
    await knn.release();
  }
  return { knn: knnAcc, linear: await linearProbe(train, t, numClasses, opts) };
}

/** Probe scores of a model's codes next to PCA codes with the same k and raw pixels. */
export interface ProbeReport {
  /** Code width k (also PCA's number of components). */
  readonly k: number;
  readonly codes: ProbeScores;
  readonly pca: ProbeScores;
  readonly pixels: ProbeScores;
}

export interface ProbeAllOptions extends ProbeOptions {
  /** k-NN reference rows for raw pixels (default: all; ≈17 s for 60k × 10k × 784 on 2 cores). */
  readonly pixelKnnMaxTrain?: number;
  /** Linear-probe settings for raw pixels (default {@link PIXEL_LINEAR_PROBE_DEFAULTS}). */
  readonly pixelLinear?: LinearProbeOptions;
}

/**
 * Raw pixels (784-D) converge in fewer epochs than codes and then start to overfit
 * (bundled digits, 9,003 rows: 0.915 after 5 epochs, 0.909 after 20), at a quarter the time.
 */
export const PIXEL_LINEAR_PROBE_DEFAULTS = { epochs: 5 } as const;

/** The labels of a dataset that must have them, with its number of classes. */
export function requireLabels(ds: Dataset): { labels: Int32Array; numClasses: number } {
  if (!ds.labels) throw new UsageError(`probe needs labelled data, but ${ds.name} has no labels (for CSV, add a "label" column)`);
  let max = -1;
  for (const l of ds.labels) if (l > max) max = l;
  return { labels: ds.labels, numClasses: Math.max(ds.numClasses ?? 0, max + 1) };
}

/**
 * Probes a model's codes, PCA with the same k, and raw pixels on one split.
 * `encode(ds)` returns the codes of every row of `ds` (n × k, row-major; μ for VAEs).
 */
export async function probeAll(split: Split, encode: (ds: Dataset) => Promise<Float32Array>, opts: ProbeAllOptions): Promise<ProbeReport> {
  const { train, test } = split;
  const tr = requireLabels(train);
  const te = requireLabels(test);
  const numClasses = Math.max(tr.numClasses, te.numClasses);
  const testUsed = opts.maxTest !== undefined && opts.maxTest < test.n ? { ...test, n: opts.maxTest, x: test.x.subarray(0, opts.maxTest * sampleSize(test)), labels: te.labels.subarray(0, opts.maxTest) } : test;
  const [codesTrain, codesTest] = [await encode(train), await encode(testUsed)];
  const k = codesTrain.length / train.n;
  if (!Number.isInteger(k) || k < 1 || codesTest.length !== k * testUsed.n) throw new RangeError(`probe: encode returned ${codesTrain.length} and ${codesTest.length} values for ${train.n} and ${testUsed.n} rows`);
  const features = (x: Float32Array, n: number, d: number, labels: Int32Array): LabelledFeatures => ({ x, n, d, labels });
  const common = { ...opts, maxTest: undefined };
  const codes = await probeFeatures(features(codesTrain, train.n, k, tr.labels), features(codesTest, testUsed.n, k, testUsed.labels!), numClasses, common);
  const d = sampleSize(train);
  const pcaFit = await Pca.fit(train, Math.min(k, d), opts.runtime);
  const pca = await probeFeatures(
    features(pcaFit.project(train.x, train.n), train.n, pcaFit.k, tr.labels),
    features(pcaFit.project(testUsed.x, testUsed.n), testUsed.n, pcaFit.k, testUsed.labels!),
    numClasses,
    common,
  );
  const pixels = await probeFeatures(features(train.x, train.n, d, tr.labels), features(testUsed.x, testUsed.n, d, testUsed.labels!), numClasses, {
    ...common,
    knnMaxTrain: opts.pixelKnnMaxTrain,
    linear: { ...opts.linear, ...PIXEL_LINEAR_PROBE_DEFAULTS, ...opts.pixelLinear },
  });
  return { k, codes, pca, pixels };
}

/** A seeded permutation of labels (for control experiments: a probe on shuffled labels must fall to chance). */
export function shuffledLabels(labels: Int32Array, seed: number): Int32Array {
  const p = new Rng(`${seed}:shuffle-labels`).permutation(labels.length);
  return Int32Array.from(p, (i) => labels[i]!);
}
