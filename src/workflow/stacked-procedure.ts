/**
 * The stacked autoencoder's training procedure around the run's main training (which
 * fine-tunes the deep AE end to end):
 *
 * 1. Greedy layer-wise pretraining (Bengio et al. 2007, sec. 2; Vincent et al. 2010, sec. 3.5):
 *    for i = 0..L−1, train the one-hidden-layer AE of layer i (`layerAe`, optionally denoising)
 *    for `pretrainEpochs` on h_{i−1}, the CLEAN codes of the layers below (h_0 = x). The lower
 *    layers are frozen by construction: their codes are computed once, with layer i−1's encode
 *    program, and layer i's AE is a separate small model trained on that code dataset, so no
 *    gradient ever reaches them. The layer AEs' parameters, renamed to the deep AE's (`enc.i.*`,
 *    `dec.(L−1−i).*`), start the fine-tuning (`TrainerOptions.initialParams`).
 * 2. (the run's epochs: end-to-end fine-tuning of the deep AE, by `trainRun`.)
 * 3. Optional supervised head (Bengio et al. 2007, sec. 3; Erhan et al. 2010, "Why does
 *    unsupervised pre-training help deep learning?"): `labels` class-balanced labelled training
 *    samples; the encoder + softmax network (`StackedHead`) is trained on them for
 *    `headEpochs` twice, from the trained AE's encoder and from the seeded initialisers,
 *    with the same optimizer, batch size, seed and budget; the test accuracy of each is
 *    reported as `head_accuracy` and `scratch_accuracy`.
 *
 * `pretrainStacked` and `stackedHeadTerms` are the family's run hooks (see `ModelFamily`).
 */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { takeRows } from '../data/ops.js';
import { UsageError } from '../errors.js';
import { Codec } from '../latent/codec.js';
import { Rng } from '../nn/rng.js';
import { type TermValues, Trainer, type TrainerOptions } from '../train/trainer.js';
import type { AfterTrainingContext, RunContext } from './hook-context.js';
import type { StackedConfig } from '../models/stacked/config.js';
import { deepParamName, depth, layerAe, StackedHead } from '../models/stacked/model.js';

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

/** Trainer options for a stage of the procedure: the run's, without its initial parameters. */
function stageOptions(options: TrainerOptions, initialParams?: Readonly<Record<string, Float32Array>>): TrainerOptions {
  const { initialParams: _ignored, ...rest } = options;
  return initialParams ? { ...rest, initialParams } : rest;
}

/**
 * Greedy layer-wise pretraining of every layer of `config`'s deep AE on `train` (labels unused).
 * Layer i trains for `config.pretrainEpochs` epochs with the run's trainer options.
 */
export async function pretrainLayers(config: StackedConfig, train: Dataset, options: TrainerOptions, log?: Log): Promise<Pretrained> {
  const params: Record<string, Float32Array> = {};
  const layers: PretrainedLayer[] = [];
  const epochs = config.pretrainEpochs;
  if (epochs === 0) return { params, layers };
  const L = depth(config);
  let data: Dataset = { name: train.name, n: train.n, sampleShape: [sampleSize(train)], x: train.x };
  for (let i = 0; i < L; i++) {
    const model = layerAe(config, i);
    const trainer = await Trainer.create(model, stageOptions(options));
    try {
      const inDim = model.inputShape[0]!;
      const outDim = model.latentDim;
      for (let e = 0; e < epochs; e++) {
        const r = await trainer.trainEpoch(data, epochs);
        log?.(`pretraining layer ${i + 1}/${L} (${inDim}→${outDim}${config.denoise > 0 ? `, masking ${config.denoise}` : ''}): epoch ${r.epoch}/${epochs}  train: ${fmt(r.train)}`);
      }
      for (const p of trainer.compiled.params) params[deepParamName(config, i, p.name)] = trainer.state.get(p.name).slice();
      const terms = await trainer.evaluate(data);
      layers.push({ index: i, inDim, outDim, terms: { recon: terms['recon']!, mse: terms['mse']! } });
      if (i < L - 1) {
        // The clean codes h_i of the frozen layers 0..i: the next layer's training data.
        const codec = await Codec.compile(model, trainer.state, options);
        try {
          const { z } = await codec.encode(data.x, data.n);
          data = { name: `${train.name} (codes of layer ${i + 1})`, n: data.n, sampleShape: [outDim], x: z! };
        } finally {
          await codec.release();
        }
      }
    } finally {
      await trainer.release();
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

/**
 * Trains the head network (encoder + softmax layer) on `labelled` for `config.headEpochs`
 * epochs, starting the encoder from `encoder` (parameters by name) or, without it, from the
 * seeded initialisers; returns its terms on `test` (`loss`, `accuracy`).
 */
export async function trainHead(config: StackedConfig, labelled: Dataset, test: Dataset, options: TrainerOptions, encoder?: Readonly<Record<string, Float32Array>>, log?: Log): Promise<TermValues> {
  const model = new StackedHead(config);
  const trainer = await Trainer.create(model, stageOptions(options, encoder));
  try {
    const what = encoder ? 'pretrained' : 'scratch';
    for (let e = 0; e < config.headEpochs; e++) {
      const r = await trainer.trainEpoch(labelled, config.headEpochs);
      if (r.epoch === config.headEpochs || r.epoch % 10 === 0) log?.(`head (${what}, ${labelled.n} labels): epoch ${r.epoch}/${config.headEpochs}  train: ${fmt(r.train)}`);
    }
    return await trainer.evaluate(test);
  } finally {
    await trainer.release();
  }
}

/** The encoder parameters (`enc.*`) of a deep AE's parameters. */
export function encoderParams(params: Readonly<Record<string, Float32Array>>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => name.startsWith('enc.')));
}

/**
 * Head and from-scratch accuracies on `test` with `config.labels` labelled samples of `train`,
 * the head starting from `encoder`.
 */
export async function compareHeads(
  config: StackedConfig,
  train: Dataset,
  test: Dataset,
  options: TrainerOptions,
  encoder: Readonly<Record<string, Float32Array>>,
  log?: Log,
): Promise<{ head_accuracy: number; scratch_accuracy: number }> {
  // The AE itself reads no labels, so the workflow has not checked the test split's.
  const bad = test.labels?.findIndex((l) => l < 0 || l >= config.numClasses) ?? -1;
  if (!test.labels || bad >= 0) {
    throw new UsageError(`--labels ${config.labels}: the head is scored on ${test.name}, ${test.labels ? `whose label ${test.labels[bad]} of row ${bad} is outside [0, ${config.numClasses})` : 'which has no labels'}`);
  }
  const labelled = selectLabelled(train, config.labels, options.seed);
  const head = await trainHead(config, labelled, test, options, encoderParams(encoder), log);
  const scratch = await trainHead(config, labelled, test, options, undefined, log);
  return { head_accuracy: head['accuracy']!, scratch_accuracy: scratch['accuracy']! };
}

/** Run hook: validates the head's label budget early, then pretrains the layers (fresh runs only). */
export async function pretrainStacked(config: StackedConfig, ctx: RunContext): Promise<Record<string, Float32Array>> {
  if (config.labels > ctx.train.n) throw new UsageError(`--labels ${config.labels} is more than the ${ctx.train.n} training samples of ${ctx.train.name}; lower --labels`);
  const { params, layers } = await pretrainLayers(config, ctx.train, ctx.trainer, ctx.log);
  for (const l of layers) ctx.log?.(`pretrained layer ${l.index + 1}/${layers.length} (${l.inDim}→${l.outDim}): ${fmt(l.terms)}`);
  return params;
}

/** Run hook: the supervised head from the trained encoder vs. from scratch, when `labels` > 0. */
export async function stackedHeadTerms(config: StackedConfig, ctx: AfterTrainingContext): Promise<TermValues> {
  if (config.labels === 0) return {};
  const r = await compareHeads(config, ctx.train, ctx.test, ctx.trainer, ctx.params, ctx.log);
  ctx.log?.(`head on ${config.labels} labels, test accuracy: pretrained ${r.head_accuracy.toFixed(4)}, from scratch ${r.scratch_accuracy.toFixed(4)}`);
  return r;
}
