/**
 * Convolutional variational autoencoder (Kingma & Welling 2014; the layers of the Keras VAE
 * example, ../conv-common/conv-net.ts):
 *
 *   encoder  f = convs + dense(x ⊕ P);  μ = f·W_μ + b_μ;  log σ² = f·W_s + b_s      [B, latent]
 *   reparam  z = μ + exp(½ log σ²) ⊙ ε,  ε ~ N(0, I) (a per-batch noise input)
 *   decoder  ℓ = dense + deconvs(z ⊕ s·y)  (logits for Bernoulli, mean for Gaussian)  [B, C, H, W]
 *   loss     = mean_b [ −log p(x|z) + β · KL(q(z|x) ‖ N(0, I)) ]           (negative ELBO for β = 1)
 *
 * With `numClasses` K > 0 (the conditional conv VAE, ../conv-cvae) the label enters the encoder
 * as K one-hot planes P = s·y broadcast over H×W and joined to the image channels, and the
 * decoder reads z ⊕ s·y: q(z|x, y), p(x|z, y) (Sohn et al. 2015; s as in ../cvae/label-scale.ts).
 * Without labels P and s·y are absent. Terms: loss, recon, kl, elbo, mse (per pixel).
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { dense } from '../../nn/layers.js';
import { zeros } from '../../nn/init.js';
import { gaussianKlToStandard } from '../../losses/divergence.js';
import { bceWithLogits, gaussianNll } from '../../losses/reconstruction.js';
import { ConvNet } from '../conv-common/conv-net.js';
import { klWeight, logImportanceWeight, reparameterise, vaeTerms } from '../common/gaussian-vae.js';
import { scaledLabel } from '../common/scaled-label.js';
import type { AutoencoderModel, Batch, Codes, Terms } from '../types.js';
import type { ConvVaeConfig } from './config.js';

/** The conv VAE options any conv VAE family carries (its own `family` aside). */
export type ConvVaeOptions = Omit<ConvVaeConfig, 'family'>;

/** One reparameterised pass of a conv VAE, per sample. */
export interface ConvVaePass {
  /** −log p(x|z) [B]. */
  readonly nll: Value;
  /** KL(q(z|x) ‖ N(0, I)) [B]. */
  readonly kl: Value;
  /** The decoder's mean in data space [B, C, H, W]. */
  readonly mean: Value;
  readonly mu: Value;
  readonly logVar: Value;
  readonly eps: Value;
  readonly z: Value;
}

export class ConvVae implements AutoencoderModel {
  readonly family: string = 'conv-vae';
  readonly trainTerms: readonly string[] = ['loss', 'recon', 'kl', 'mse'];
  readonly net: ConvNet;

  constructor(
    readonly config: ConvVaeOptions,
    /** Label classes read as one-hot y (0 = unconditional). */
    readonly numClasses = 0,
    /** s: the scale of the one-hot where it joins the encoder planes and the decoder input. */
    readonly labelScale = 1,
    family = 'conv-vae',
  ) {
    this.family = family;
    this.net = new ConvNet(family, config, numClasses);
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  /** s·y, or undefined for an unconditional model; a conditional one without y is a programming error. */
  private label(y: Value | undefined, what: string): Value | undefined {
    if (this.numClasses === 0) return undefined;
    return scaledLabel(this.family, what, y, this.labelScale);
  }

  /** q(z|x[, y]): μ and log σ² [B, latent]; `z` is μ. */
  encode(b: Builder, x: Value, y?: Value): Codes {
    const e = b.scope('enc');
    const f = this.net.encodeFeatures(e, x, this.label(y, 'encode'));
    const mu = dense(e.scope('mu'), f, this.config.latent, { init: this.config.init });
    const logVar = dense(e.scope('logvar'), f, this.config.latent, { init: this.config.init });
    return { z: mu, mu, logVar };
  }

  /** The decoder's raw output ℓ [B, C, H, W] (logits or Gaussian mean). */
  decodeRaw(b: Builder, z: Value, y?: Value): Value {
    const sy = this.label(y, 'decode');
    return this.net.decodeRaw(b.scope('dec'), sy ? op.concat([z, sy], 1) : z);
  }

  /** The mean of p(x|z) in data space: σ(ℓ) (Bernoulli) or ℓ (Gaussian). */
  link(raw: Value): Value {
    return this.config.likelihood === 'bernoulli' ? op.sigmoid(raw) : raw;
  }

  decode(b: Builder, z: Value, y?: Value): Value {
    return this.link(this.decodeRaw(b, z, y));
  }

  samplePrior(b: Builder): Value {
    return b.noise('prior', [this.config.latent]);
  }

  /** −log p(x|z) per sample [B] of image-shaped x from the raw decoder output. */
  nll(b: Builder, raw: Value, x: Value): Value {
    if (this.config.likelihood === 'bernoulli') return bceWithLogits(raw, x);
    const logVar = this.config.learnVariance ? b.scope('dec').param('logvar', [...this.net.image], zeros) : x.graph.scalar(0);
    return gaussianNll(x, raw, logVar);
  }

  /** β, or the warm-up ramp β·min(1, (step+1)/(warmup·stepsPerEpoch)) (see common/gaussian-vae.ts). */
  klWeight(b: Builder): number | Value {
    return klWeight(b, this.config.beta, this.config.klWarmup);
  }

  /** z = μ + σ ⊙ ε and the terms of one pass over image-shaped x. */
  pass(b: Builder, x: Value, y?: Value): ConvVaePass {
    const { mu, logVar } = this.encode(b, x, y);
    const { z, eps } = reparameterise(b, mu!, logVar!, this.config.latent);
    const raw = this.decodeRaw(b, z, y);
    return { nll: this.nll(b, raw, x), kl: gaussianKlToStandard(mu!, logVar!), mean: this.link(raw), mu: mu!, logVar: logVar!, eps, z };
  }

  /** log w per sample [B] for one draw z ~ q(z|x) (see common/gaussian-vae.ts; IWAE, Burda et al. 2016). */
  logImportanceWeight(b: Builder, x: Value, y?: Value): Value {
    return logImportanceWeight(this.pass(b, this.net.asImage(x), y));
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.net.asImage(batch.x);
    return vaeTerms(this.pass(b, x, batch.y), x, this.klWeight(b));
  }

}
