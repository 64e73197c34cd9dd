/**
 * Variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes").
 *
 *   encoder  h = MLP(x);  μ = h·W_μ + b_μ;  log σ² = h·W_s + b_s          [B, latent]
 *   reparam  z = μ + exp(½ log σ²) ⊙ ε,  ε ~ N(0, I) (a per-batch noise input)
 *   decoder  ℓ = MLP(z) (logits for Bernoulli, mean for Gaussian)          [B, D]
 *   loss     = mean_b [ −log p(x|z) + β · KL(q(z|x) ‖ N(0, I)) ]           (negative ELBO for β = 1)
 * Given a one-hot label y [B, C] (the conditional VAE, ../cvae), the encoder reads x ⊕ y and
 * the decoder z ⊕ y: q(z|x, y), p(x|z, y) (Sohn et al. 2015).
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { type Activation, activate, dense, mlp } from '../../nn/layers.js';
import { zeros } from '../../nn/init.js';
import { gaussianKlToStandard } from '../../losses/divergence.js';
import { bceWithLogits, gaussianNll } from '../../losses/reconstruction.js';
import { klWeight, logImportanceWeight, reparameterise, vaeTerms } from '../common/gaussian-vae.js';
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

  encode(b: Builder, x: Value, y?: Value): Codes {
    const e = b.scope('enc');
    const input = y ? op.concat([this.flat(x), y], 1) : this.flat(x);
    // The last hidden layer is activated too; with no hidden layer (`--hidden none`) h is the input itself.
    const h = this.config.activateInput && this.config.hidden.length === 0 ? activate(input, this.config.activation as Activation) : mlp(e, input, this.config.hidden, { ...this.layerOpts(), outputActivation: this.config.activation as Activation });
    const mu = dense(e.scope('mu'), h, this.config.latent, { init: this.config.init });
    const logVar = dense(e.scope('logvar'), h, this.config.latent, { init: this.config.init });
    return { z: mu, mu, logVar };
  }

  /** Decoder output before the mean link: logits (Bernoulli) or the mean itself (Gaussian), [B, D]. */
  private decodeRaw(b: Builder, z: Value, y?: Value): Value {
    return mlp(b.scope('dec'), y ? op.concat([z, y], 1) : z, [...[...this.config.hidden].reverse(), this.inputSize], this.layerOpts());
  }

  private unflat(x: Value): Value {
    return this.config.inputShape.length === 1 ? x : op.reshape(x, ['B', ...this.config.inputShape]);
  }

  decode(b: Builder, z: Value, y?: Value): Value {
    const raw = this.decodeRaw(b, z, y);
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

  /** One reparameterised pass: z = μ + σ ⊙ ε, the decoder NLL and the KL, per sample. */
  private pass(b: Builder, x: Value, y?: Value): { nll: Value; kl: Value; mean: Value; z: Value; eps: Value; logVar: Value } {
    const { mu, logVar } = this.encode(b, x, y);
    const { z, eps } = reparameterise(b, mu!, logVar!, this.config.latent);
    const { nll, mean } = this.reconstruction(b, this.decodeRaw(b, z, y), x);
    return { nll, kl: gaussianKlToStandard(mu!, logVar!), mean, z, eps, logVar: logVar! };
  }

  /** log w per sample [B] for one draw z ~ q(z|x) (see common/gaussian-vae.ts; IWAE, Burda et al. 2016). */
  logImportanceWeight(b: Builder, xIn: Value, y?: Value): Value {
    return logImportanceWeight(this.pass(b, this.flat(xIn), y));
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.flat(batch.x);
    return vaeTerms(this.pass(b, x, batch.y), x, klWeight(b, this.config.beta, this.config.klWarmup));
  }

}
