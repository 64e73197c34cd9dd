/**
 * The stacked autoencoder's training procedure around the run's main training (which
 * fine-tunes the deep AE end to end), written against the `StageTrainer` the run hands it:
 *
 * 1. Greedy layer-wise pretraining (Bengio et al. 2007, sec. 2; Vincent et al. 2010, sec. 3.5):
 *    for i = 0..L−1, train the one-hidden-layer AE of layer i (`layerAe`, optionally denoising)
 *    for `pretrainEpochs` on h_{i−1}, the CLEAN codes of the layers below (h_0 = x). The lower
 *    layers are frozen by construction: their codes are computed once, with layer i−1's trained
 *    encoder, and layer i's AE is a separate small model trained on that code dataset, so no
 *    gradient ever reaches them. The layer AEs' parameters, renamed to the deep AE's (`enc.i.*`,
 *    `dec.(L−1−i).*`), start the fine-tuning.
 * 2. (the run's epochs: end-to-end fine-tuning of the deep AE, by the workflow.)
 * 3. Optional supervised head (Bengio et al. 2007, sec. 3; Erhan et al. 2010, "Why does
 *    unsupervised pre-training help deep learning?"): `labels` class-balanced labelled training
 *    samples; the encoder + softmax network (`StackedHead`) is trained on them for
 *    `headEpochs` twice, from the trained AE's encoder and from the seeded initialisers,
 *    with the same optimizer, batch size, seed and budget; the test accuracy of each is
 *    reported as `head_accuracy` and `scratch_accuracy`.
 *
 * `stackedProcedure` is the family's `FamilyProcedure` (see ./family.ts).
 */
import type { Dataset } from '../../data/dataset.js';
import { sampleSize } from '../../data/dataset.js';
import { takeRows } from '../../data/ops.js';
import { UsageError } from '../../errors.js';
import { Rng } from '../../nn/rng.js';
import type { FamilyProcedure, Params, StageTrainer, TermValues } from '../types.js';
import type { StackedConfig } from './config.js';
import { deepParamName, depth, layerAe, StackedHead } from './model.js';

export type Log = (line: string) => void;

const fmt = (t: TermValues): string =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ');

export interface PretrainedLayer {
  /** 0-based encoder layer. */
  readonly index: number;
  readonly inDim: number;
  readonly outDim: number;
  /** The layer AE's terms on its (clean) training inputs after pretraining. */
  readonly terms: TermValues;
}

export interface Pretrained {
  /** Parameters of the deep AE by name (`enc.i.*`, `dec.k.*`); empty when `pretrainEpochs` is 0. */
  readonly params: Record<string, Float32Array>;
  readonly layers: readonly PretrainedLayer[];
}

/**
 * Greedy layer-wise pretraining of every layer of `config`'s deep AE on `train` (labels unused).
 * Layer i trains for `config.pretrainEpochs` epochs with `trainer`.
 */
export async function pretrainLayers(config: StackedConfig, train: Dataset, trainer: StageTrainer, log?: Log): Promise<Pretrained> {
  const params: Record<string, Float32Array> = {};
  const layers: PretrainedLayer[] = [];
  const epochs = config.pretrainEpochs;
  if (epochs === 0) return { params, layers };
  const L = depth(config);
  let data: Dataset = { name: train.name, n: train.n, sampleShape: [sampleSize(train)], x: train.x };
  for (let i = 0; i < L; i++) {
    const model = layerAe(config, i);
    const inDim = model.inputShape[0]!;
    const outDim = model.latentDim;
    const what = `pretraining layer ${i + 1}/${L} (${inDim}→${outDim}${config.denoise > 0 ? `, masking ${config.denoise}` : ''})`;
    const stage = await trainer.fit(model, data, { epochs, onEpoch: (e, terms) => log?.(`${what}: epoch ${e}/${epochs}  train: ${fmt(terms)}`) });
    try {
      for (const [name, value] of Object.entries(stage.params())) params[deepParamName(config, i, name)] = value;
      const terms = await stage.evaluate(data);
      layers.push({ index: i, inDim, outDim, terms: { recon: terms['recon']!, mse: terms['mse']! } });
      // The clean codes h_i of the frozen layers 0..i: the next layer's training data.
      if (i < L - 1) data = { name: `${train.name} (codes of layer ${i + 1})`, n: data.n, sampleShape: [outDim], x: await stage.encode(data) };
    } finally {
      await stage.release();
    }
  }
  return { params, layers };
}

/**
 * `count` labelled rows of `data`, class-balanced: ⌊count/C⌋ of each class in a seeded random
 * order, the remainder filled from that order (so classes with too few rows are taken whole).
 */
export function selectLabelled(data: Dataset, count: number, seed: number): Dataset {
  const labels = data.labels;
  if (!labels) throw new UsageError(`--labels ${count}: ${data.name} has no labels`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`selectLabelled: count must be a positive integer (got ${count})`);
  if (count > data.n) throw new UsageError(`--labels ${count} is more than the ${data.n} training samples of ${data.name}; lower --labels`);
  const classes = data.numClasses ?? labels.reduce((m, l) => Math.max(m, l + 1), 0);
  const quota = Math.floor(count / classes);
  const taken = new Int32Array(classes);
  const picked: number[] = [];
  const rest: number[] = [];
  for (const i of new Rng(`${seed}:labels`).permutation(data.n)) {
    const l = labels[i]!;
    if (taken[l]! < quota) {
      taken[l]!++;
      picked.push(i);
    } else rest.push(i);
  }
  picked.push(...rest.slice(0, count - picked.length));
  return takeRows(data, picked, `${data.name} (${count} labelled)`);
}

/** The encoder parameters (`enc.*`) of a deep AE's parameters. */
export function encoderParams(params: Params): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => name.startsWith('enc.')));
}

/**
 * Head and from-scratch accuracies on `test` with `config.labels` labelled samples of `train`
 * (chosen with the trainer's seed): the head network (encoder + softmax layer) trained on them
 * for `config.headEpochs` epochs from `encoder` (parameters by name), then again from the seeded
 * initialisers, with the same optimizer, batch size, seed and budget. Both starts train one
 * compiled network (`TrainedStage.retrain`).
 */
export async function compareHeads(config: StackedConfig, train: Dataset, test: Dataset, trainer: StageTrainer, encoder: Params, log?: Log): Promise<{ head_accuracy: number; scratch_accuracy: number }> {
  // The AE itself reads no labels, so the workflow has not checked the test split's.
  const bad = test.labels?.findIndex((l) => l < 0 || l >= config.numClasses) ?? -1;
  if (!test.labels || bad >= 0) {
    throw new UsageError(`--labels ${config.labels}: the head is scored on ${test.name}, ${test.labels ? `whose label ${test.labels[bad]} of row ${bad} is outside [0, ${config.numClasses})` : 'which has no labels'}`);
  }
  const labelled = selectLabelled(train, config.labels, trainer.seed);
  const epochs = config.headEpochs;
  const onEpoch =
    (what: string) =>
    (e: number, terms: TermValues): void => {
      if (e === epochs || e % 10 === 0) log?.(`head (${what}, ${labelled.n} labels): epoch ${e}/${epochs}  train: ${fmt(terms)}`);
    };
  const stage = await trainer.fit(new StackedHead(config), labelled, { epochs, initialParams: encoderParams(encoder), onEpoch: onEpoch('pretrained') });
  try {
    const head = await stage.evaluate(test);
    await stage.retrain(labelled, { epochs, onEpoch: onEpoch('scratch') });
    const scratch = await stage.evaluate(test);
    return { head_accuracy: head['accuracy']!, scratch_accuracy: scratch['accuracy']! };
  } finally {
    await stage.release();
  }
}

/**
 * The stacked AE's procedure: before the main training, check the head's label budget early and
 * pretrain the layers; after it, the supervised head vs. from scratch when `labels` > 0.
 */
export const stackedProcedure: FamilyProcedure<StackedConfig> = {
  async pretrain(config, ctx) {
    if (config.labels > ctx.train.n) throw new UsageError(`--labels ${config.labels} is more than the ${ctx.train.n} training samples of ${ctx.train.name}; lower --labels`);
    const { params, layers } = await pretrainLayers(config, ctx.train, ctx.trainer, ctx.log);
    for (const l of layers) ctx.log?.(`pretrained layer ${l.index + 1}/${layers.length} (${l.inDim}→${l.outDim}): ${fmt(l.terms)}`);
    return params;
  },
  async afterTraining(config, ctx) {
    if (config.labels === 0) return {};
    const r = await compareHeads(config, ctx.train, ctx.test, ctx.trainer, ctx.params, ctx.log);
    ctx.log?.(`head on ${config.labels} labels, test accuracy: pretrained ${r.head_accuracy.toFixed(4)}, from scratch ${r.scratch_accuracy.toFixed(4)}`);
    return r;
  },
};
