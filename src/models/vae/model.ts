/**
 * Variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes").
 *
 *   encoder  h = MLP(x);  μ = h·W_μ + b_μ;  log σ² = h·W_s + b_s          [B, latent]
 *   reparam  z = μ + exp(½ log σ²) ⊙ ε,  ε ~ N(0, I) (a per-batch noise input)
 *   decoder  ℓ = MLP(z) (logits for Bernoulli, mean for Gaussian)          [B, D]
 *   loss     = mean_b [ −log p(x|z) + β · KL(q(z|x) ‖ N(0, I)) ]           (negative ELBO for β = 1)
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { type Activation, activate, dense, mlp } from '../../nn/layers.js';
import { zeros } from '../../nn/init.js';
import { gaussianKlToStandard } from '../../losses/divergence.js';
import { batchMean, bceWithLogits, gaussianNll, meanSquaredError } from '../../losses/reconstruction.js';
import type { AutoencoderModel, Batch, Codes, Terms } from '../types.js';
import type { VaeConfig } from './config.js';

export class Vae implements AutoencoderModel {
  readonly family = 'vae';
  readonly numClasses = 0;
  readonly trainTerms = ['loss', 'recon', 'kl', 'mse'] as const;

  constructor(readonly config: VaeConfig) {}

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  private get inputSize(): number {
    return this.config.inputShape.reduce((a, b) => a * b, 1);
  }

  private flat(x: Value): Value {
    return x.rank === 2 ? x : op.reshape(x, ['B', this.inputSize]);
  }

  private layerOpts() {
    return { activation: this.config.activation as Activation, init: this.config.init };
  }

  encode(b: Builder, x: Value): Codes {
    const e = b.scope('enc');
    const h = activate(mlp(e, this.flat(x), this.config.hidden, this.layerOpts()), this.config.activation as Activation);
    const mu = dense(e.scope('mu'), h, this.config.latent, { init: this.config.init });
    const logVar = dense(e.scope('logvar'), h, this.config.latent, { init: this.config.init });
    return { z: mu, mu, logVar };
  }

  /** Decoder output before the mean link: logits (Bernoulli) or the mean itself (Gaussian), [B, D]. */
  private decodeRaw(b: Builder, z: Value): Value {
    return mlp(b.scope('dec'), z, [...[...this.config.hidden].reverse(), this.inputSize], this.layerOpts());
  }

  private unflat(x: Value): Value {
    return this.config.inputShape.length === 1 ? x : op.reshape(x, ['B', ...this.config.inputShape]);
  }

  decode(b: Builder, z: Value): Value {
    const raw = this.decodeRaw(b, z);
    return this.unflat(this.config.likelihood === 'bernoulli' ? op.sigmoid(raw) : raw);
  }

  samplePrior(b: Builder): Value {
    return b.noise('prior', [this.config.latent]);
  }

  /** Per-sample −log p(x|z) [B] and the decoder mean. */
  private reconstruction(b: Builder, raw: Value, x: Value): { nll: Value; mean: Value } {
    if (this.config.likelihood === 'bernoulli') return { nll: bceWithLogits(raw, x), mean: op.sigmoid(raw) };
    const logVar = this.config.learnVariance ? b.scope('dec').param('logvar', [this.inputSize], zeros) : x.graph.scalar(0);
    return { nll: gaussianNll(x, raw, logVar), mean: raw };
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.flat(batch.x);
    const { mu, logVar } = this.encode(b, x);
    const eps = b.noise('eps', [this.config.latent]);
    const z = op.add(mu!, op.mul(op.exp(op.mul(logVar!, 0.5)), eps));
    const { nll, mean } = this.reconstruction(b, this.decodeRaw(b, z), x);
    const kl = gaussianKlToStandard(mu!, logVar!);
    const perSample = this.config.beta === 1 ? op.add(nll, kl) : op.add(nll, op.mul(kl, this.config.beta));
    return {
      loss: batchMean(perSample),
      recon: batchMean(nll),
      kl: batchMean(kl),
      elbo: batchMean(op.neg(op.add(nll, kl))),
      mse: batchMean(meanSquaredError(mean, x)),
    };
  }
}
