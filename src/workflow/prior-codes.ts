/**
 * Codes to decode into samples: from the model's own prior, or from a Gaussian mixture fitted
 * to the training codes.
 *
 * - `normal` (the model's prior): z ~ N(0, I) for VAEs and CVAEs, the chosen prior of an
 *   adversarial AE. Temperature t draws z ~ N(0, t²I) (Kingma & Dhariwal 2018, §5: reduced
 *   temperature trades diversity for fidelity); it applies to Gaussian priors only.
 * - `gmm`: a seeded, diagonal K-component mixture fitted by EM to the codes of (at most
 *   `GMM_MAX_CODES` of) the training samples, the prior that families without one lack
 *   (cf. Ghosh et al. 2020, "From Variational to Deterministic Autoencoders", ex-post density
 *   estimation). Temperature scales each component's standard deviation.
 *
 * Families with no prior (ae, dae, sparse, cae, stacked) default to `gmm`; asking them for
 * `normal` works but carries a warning, because their decoders never saw N(0, I) codes.
 */
import type { Dataset } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import type { Codec } from '../latent/codec.js';
import { GaussianMixture } from '../latent/gmm.js';
import type { ModelSettings } from '../models/for-data.js';
import { getFamily } from '../models/registry.js';
import { Rng } from '../nn/rng.js';

export type PriorChoice = 'normal' | 'gmm';

/** Training codes the mixture is fitted to, at most (a seeded subset beyond that). */
export const GMM_MAX_CODES = 10_000;
/** Mixture components. */
export const GMM_COMPONENTS = 10;

export interface PriorPlan {
  readonly prior: PriorChoice;
  /** Set when the choice means little for this family. */
  readonly warning?: string;
}

/** The prior to sample from: the requested one, else the model's own, or a mixture for families without one. */
export function planPrior(model: ModelSettings, requested: PriorChoice | undefined, temperature: number): PriorPlan {
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new UsageError(`--temperature must be a positive number (got ${temperature})`);
  const hasPrior = getFamily(model.family).hasPrior;
  const prior = requested ?? (hasPrior ? 'normal' : 'gmm');
  if (prior === 'normal' && temperature !== 1 && model['prior'] !== undefined && model['prior'] !== 'normal') {
    throw new UsageError(`--temperature applies to Gaussian priors; this aae has a ${String(model['prior'])} prior (use --prior gmm, or --temperature 1)`);
  }
  if (prior === 'normal' && !hasPrior) {
    return { prior, warning: `N(0, I) draws mean little for --model ${model.family}: it has no prior, so its decoder never saw such codes; --prior gmm (its default) samples from a mixture fitted to its training codes` };
  }
  return { prior };
}

/** Fits the mixture prior to the codes of `train` (seeded subset of at most GMM_MAX_CODES rows). */
export async function fitCodeMixture(codec: Codec, train: Dataset, seed: number): Promise<GaussianMixture> {
  const d = train.x.length / train.n;
  let x = train.x;
  let labels = train.labels;
  let n = train.n;
  if (n > GMM_MAX_CODES) {
    const pick = new Rng(`${seed}:gmm-subset`).permutation(n).subarray(0, GMM_MAX_CODES).sort();
    x = new Float32Array(pick.length * d);
    pick.forEach((r, i) => x.set(train.x.subarray(r * d, (r + 1) * d), i * d));
    labels = labels && Int32Array.from(pick, (r) => train.labels![r]!);
    n = pick.length;
  }
  const z = (await codec.encode(x, n, labels))['z']!;
  return GaussianMixture.fit(z, n, z.length / n, { components: Math.min(GMM_COMPONENTS, n), seed });
}

/** Draws the next `count` codes (labels pick the classes of conditional models), continuing one generator. */
export type PriorCodeStream = (count: number, labels?: Int32Array) => Promise<Float32Array>;

/**
 * Codes from the planned prior in consecutive draws, for outputs too large to draw at once
 * (`sample --n 1000000`). Every draw continues one generator seeded `${seed}:samples`. For the
 * model's prior, draws whose sizes are multiples of `codec.batchSize` give exactly the codes of
 * one draw of their total (the codec fills noise per batch of that size); a mixture draws its
 * components, then its noise, per draw, so only a single draw equals {@link drawPriorCodes}.
 * `train` supplies the codes a `gmm` prior is fitted to; it is only called for that prior.
 */
export async function priorCodeStream(codec: Codec, plan: PriorPlan, opts: { seed: number; temperature: number; train: () => Dataset }): Promise<PriorCodeStream> {
  const rng = new Rng(`${opts.seed}:samples`);
  if (plan.prior === 'gmm') {
    const mixture = await fitCodeMixture(codec, opts.train(), opts.seed);
    return async (count) => mixture.sample(count, rng, opts.temperature);
  }
  return async (count, labels) => {
    const z = await codec.samplePrior(count, rng, labels);
    if (opts.temperature !== 1) for (let i = 0; i < z.length; i++) z[i]! *= opts.temperature;
    return z;
  };
}

/**
 * `n` codes from the planned prior (labels pick classes of conditional models). `train` supplies
 * the codes a `gmm` prior is fitted to; it is only called for that prior.
 */
export async function drawPriorCodes(codec: Codec, plan: PriorPlan, opts: { n: number; seed: number; temperature: number; train: () => Dataset; labels?: Int32Array }): Promise<Float32Array> {
  return (await priorCodeStream(codec, plan, opts))(opts.n, opts.labels);
}
