/**
 * Class faithfulness of conditional models (cvae, `aae --conditional`): draw samples with
 * class c, decode them, and ask a classifier trained on the REAL training data which class
 * it reads. The share read as c, per class and averaged, is the faithfulness:
 *   F_c = (1/m) Σ_i [ reader(x̂_i) = c ],  x̂_i = decode(z_i, c), z_i ~ p(z)
 *   F   = (1/C) Σ_c F_c                    (chance: 1/C)
 * The reader is any classifier of the real data: a 5-NN vote over the training pixels
 * (`pixelReader`, no training of its own; 93.3% on real test digits with the 9,003 bundled
 * training digits, ≈97% with MNIST's 60k), or the MLP of mlp-reader.ts (≈96% on the bundled
 * digits), which `latentkit probe` and `eval` use.
 * The same reader measures attribute vectors: the share of transformed samples read as the
 * target class (`readsAs`, `shareReadAs`).
 */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import type { Codec } from './codec.js';
import { DEFAULT_KNN_K, KnnClassifier, type KnnOptions } from './knn.js';
import { requireLabels } from './probe.js';

/** What faithfulness needs of a codec: its model's class count and class-conditional sampling. */
export type ClassSampler = Pick<Codec, 'model' | 'sample'>;

export interface FaithfulnessOptions {
  /** Samples per class (default 100). */
  readonly perClass?: number;
  /** Seed of the prior draws (default 0). */
  readonly seed?: number;
}

export interface Faithfulness {
  /** Mean over classes of the share read as the requested class, in [0, 1]. */
  readonly mean: number;
  /** Share per class c = 0 … numClasses − 1. */
  readonly perClass: number[];
}

/**
 * A reader for generated images: a k-NN vote (k = 5) over the labelled training pixels
 * (bundled digits, 9,003 train → 997 test rows: 93.3% correct).
 */
export async function pixelReader(train: Dataset, opts: KnnOptions): Promise<KnnClassifier> {
  const { labels, numClasses } = requireLabels(train);
  return KnnClassifier.fit(train.x, train.n, sampleSize(train), labels, numClasses, { k: DEFAULT_KNN_K, ...opts });
}

/** The class `reference` reads in each of `m` images (row-major m × pixels). */
export function readsAs(reference: Pick<KnnClassifier, 'predict'>, images: Float32Array, m: number): Promise<Int32Array> {
  return reference.predict(images, m);
}

/** Share of `predicted` equal to `target`, in [0, 1]. */
export function shareReadAs(predicted: Int32Array, target: number): number {
  if (predicted.length === 0) return Number.NaN;
  let hits = 0;
  for (const p of predicted) if (p === target) hits++;
  return hits / predicted.length;
}

/** Class faithfulness of a conditional model's samples, as read by `reference` (see the module comment). */
export async function classFaithfulness(codec: ClassSampler, reference: Pick<KnnClassifier, 'predict' | 'numClasses'>, numClasses: number, opts: FaithfulnessOptions = {}): Promise<Faithfulness> {
  const { model } = codec;
  if (model.numClasses === 0) throw new UsageError(`class faithfulness needs a conditional model (cvae, or aae --conditional); this ${model.family} model takes no class`);
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > model.numClasses) {
    throw new RangeError(`class faithfulness: numClasses must be an integer in [2, ${model.numClasses}] (got ${numClasses})`);
  }
  if (numClasses > reference.numClasses) throw new RangeError(`class faithfulness: the reader knows ${reference.numClasses} classes, fewer than ${numClasses}`);
  const perClass = opts.perClass ?? 100;
  if (!Number.isInteger(perClass) || perClass < 1) throw new UsageError(`samples per class must be a positive integer (got ${perClass})`);
  const n = perClass * numClasses;
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / perClass));
  const images = await codec.sample(n, new Rng(`${opts.seed ?? 0}:faithfulness`), labels);
  const read = await readsAs(reference, images, n);
  const shares = Array.from({ length: numClasses }, (_, c) => shareReadAs(read.subarray(c * perClass, (c + 1) * perClass), c));
  return { mean: shares.reduce((a, b) => a + b, 0) / numClasses, perClass: shares };
}
