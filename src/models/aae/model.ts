/**
 * Adversarial autoencoder (Makhzani et al. 2016, "Adversarial Autoencoders", sec. 2, 2.3).
 *
 *   encoder        z = enc(x)  (deterministic, linear code)                       [B, latent]
 *   decoder        x̂ = σ(dec(z)),  recon = −log p(x|z) (BCE with logits, or SSE)  [B, D]
 *   discriminator  ℓ(z) = D(z) (⊕ one-hot y when conditional), a logit           [B, 1]
 *
 * Three phases per batch, in this order, each with its own Adam state:
 *   recon  minimise  recon                                   over enc + dec
 *   disc   minimise  −log σ(ℓ(z_p)) − log(1 − σ(ℓ(z_q)))     over disc   (z_p ~ p(z), z_q = enc(x))
 *   gen    minimise  −log σ(ℓ(z_q))                          over enc    (non-saturating GAN loss)
 * with −log σ(ℓ) = softplus(−ℓ) and −log(1 − σ(ℓ)) = softplus(ℓ), stable for any ℓ.
 * The phases share the batch and its prior draw; each sees the previous phase's update.
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { mlp } from '../../nn/layers.js';
import { discriminatorLoss, generatorLoss } from '../../losses/adversarial.js';
import { batchMean } from '../../losses/reconstruction.js';
import { DenseAutoencoder } from '../common/dense-ae.js';
import type { AutoencoderModel, Batch, Codes, PhaseSpec, Terms } from '../types.js';
import type { AaeConfig } from './config.js';
import { MOG_COMPONENTS, mogSampler, UNIFORM_HALF_WIDTH } from './prior.js';

export class Aae implements AutoencoderModel {
  readonly family: string = 'aae';
  readonly trainTerms: readonly string[] = ['loss', 'recon', 'mse'];
  readonly phases: readonly PhaseSpec[];
  readonly net: DenseAutoencoder;

  constructor(readonly config: AaeConfig) {
    this.net = new DenseAutoencoder(config);
    this.phases = [
      { name: 'recon', loss: 'loss', groups: ['enc', 'dec'], terms: ['loss', 'recon', 'mse'] },
      { name: 'disc', loss: 'disc_loss', groups: ['disc'], terms: ['disc_loss', 'disc_acc'], lrScale: config.discLrScale },
      { name: 'gen', loss: 'gen_loss', groups: ['enc'], terms: ['gen_loss'], lrScale: config.genLrScale },
    ];
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  /** Label classes read as one-hot y: only a conditional AAE's discriminator reads them. */
  get numClasses(): number {
    return this.config.conditional ? this.config.numClasses : 0;
  }

  /** Mixture components: one per class when conditional, else MOG_COMPONENTS. */
  get components(): number {
    return this.config.conditional ? this.config.numClasses : MOG_COMPONENTS;
  }

  // The shared dense body scopes its parameters `enc.*` and `dec.*`; an unprefixed scope
  // only sets the optimizer group of everything declared through it.
  encode(b: Builder, x: Value): Codes {
    return { z: this.net.encode(b.scope('', 'enc'), x).code };
  }

  decode(b: Builder, z: Value): Value {
    return this.net.decode(b.scope('', 'dec'), z);
  }

  /** z ~ p(z) [B, latent], one draw per row (per class component when conditional). */
  samplePrior(b: Builder): Value {
    const d = this.config.latent;
    switch (this.config.prior) {
      case 'normal':
        return b.noise('prior', [d], 'normal');
      case 'uniform':
        return op.mul(op.sub(b.noise('prior', [d], 'uniform'), 0.5), 2 * UNIFORM_HALF_WIDTH);
      case 'mog':
        return b.noise('prior', [d], mogSampler(this.components, d, this.config.conditional));
    }
  }

  /** D's logit [B, 1] for codes z (and one-hot labels y when conditional). */
  discriminate(b: Builder, z: Value, y?: Value): Value {
    const input = this.config.conditional ? op.concat([z, y!], 1) : z;
    return mlp(b.scope('disc', 'disc'), input, [...this.config.discHidden, 1], { activation: 'relu', init: this.config.init });
  }

  terms(b: Builder, batch: Batch): Terms {
    if (this.config.conditional && !batch.y) throw new Error('conditional aae: the batch has no labels y');
    const x = this.net.flat(batch.x);
    const zq = this.encode(b, x).z;
    const raw = this.net.decodeRaw(b.scope('', 'dec'), zq);
    const recon = batchMean(this.net.reconstructionLoss(raw, x));
    const realLogit = this.discriminate(b, this.samplePrior(b), batch.y);
    const fakeLogit = this.discriminate(b, zq, batch.y);
    // Fraction of prior draws and codes D classifies correctly (logit > 0 means "prior").
    const hits = op.add(op.cast(op.greater(realLogit, 0), 'float32'), op.cast(op.lessOrEqual(fakeLogit, 0), 'float32'));
    return {
      loss: recon,
      recon,
      mse: this.net.mse(raw, x),
      disc_loss: batchMean(discriminatorLoss(realLogit, fakeLogit)),
      disc_acc: op.mul(op.reduceMean(hits), 0.5),
      gen_loss: batchMean(generatorLoss(fakeLogit)),
    };
  }
}
