/**
 * Convolutional autoencoder (Masci, Meier, Cireşan & Schmidhuber 2011, "Stacked
 * convolutional auto-encoders for hierarchical feature extraction"; the Keras VAE example's
 * layers, ../conv-common/conv-net.ts):
 *
 *   code  a = codeAct(Dense(f(x̃)))                          [B, latent]   f: conv + dense encoder
 *   out   x̂ = outAct(ℓ),  ℓ = g(a)                          [B, C, H, W]  g: mirrored decoder
 *   loss  = mean_b [ L(x, ℓ) ] + λ·Ω + λ_c·mean_b ‖∂a/∂x̃‖_F²
 *
 * L is the summed Bernoulli NLL from logits (bce) or Σ (x̂ − x)² (mse). x̃ = x unless
 * `noiseLevel` > 0: then x̃ ~ q(x̃|x) in training (the corruptions of ../dae/model.ts:
 * gaussian, masking, salt_pepper), and the eval graph adds the denoising metrics of the DAE
 * (recon_corrupted, mse_corrupted, mse_noisy_input). The sparsity penalty Ω (λ > 0):
 *   l1           mean_b Σ_j |a_bj|
 *   kl           Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j = mean_b a_bj                    (sigmoid code)
 * and the contractive penalty (λ_c > 0; Rifai et al. 2011), by one vector-Jacobian product per
 * code unit through the convs, differentiated again by the training step (second order).
 * Terms: loss, recon, mse (per-pixel, the scale shared with PCA), `sparsity` (Ω) when λ > 0 and
 * `contractive` (mean_b ‖J‖_F², unweighted) when λ_c > 0.
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { activate, dense } from '../../nn/layers.js';
import { contractiveAutodiff } from '../../losses/contractive.js';
import { batchMean, bceWithLogits, meanSquaredError, sumSquaredError } from '../../losses/reconstruction.js';
import { sparsityPenalty } from '../../losses/sparsity.js';
import { ConvNet } from '../conv-common/conv-net.js';
import { corrupt } from '../dae/model.js';
import type { AutoencoderModel, Batch, Codes, Terms } from '../types.js';
import type { ConvAeConfig } from './config.js';

export class ConvAe implements AutoencoderModel {
  readonly family: string = 'conv-ae';
  readonly numClasses = 0;
  readonly net: ConvNet;
  /** x̃ for flat x [B, D] (denoising runs only: run pictures show it between x and x̂). */
  readonly corrupted?: (b: Builder, x: Value) => Value;

  constructor(readonly config: ConvAeConfig) {
    this.net = new ConvNet('conv-ae', config);
    if (config.noiseLevel > 0) this.corrupted = (b, x) => this.corrupt(b, x);
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  get trainTerms(): readonly string[] {
    return ['loss', 'recon', 'mse', ...(this.config.lambda > 0 ? ['sparsity'] : []), ...(this.config.contractive > 0 ? ['contractive'] : [])];
  }

  /** x̃ [B, D] for the flat x [B, D], drawing the noise input `noise.corruption`. */
  private corrupt(b: Builder, x: Value): Value {
    const { corruption, noiseLevel } = this.config;
    const noise = b.noise('corruption', [this.net.inputSize], corruption === 'gaussian' ? 'normal' : 'uniform');
    return corrupt(x, noise, corruption, noiseLevel);
  }

  /** The code a [B, latent] of x (flat or [B, C, H, W]). */
  private code(b: Builder, x: Value): Value {
    const e = b.scope('enc');
    return activate(dense(e.scope('code'), this.net.encodeFeatures(e, x), this.config.latent, { init: this.config.init }), this.config.codeActivation);
  }

  encode(b: Builder, x: Value): Codes {
    return { z: this.code(b, x) };
  }

  private decodeRaw(b: Builder, z: Value): Value {
    return this.net.decodeRaw(b.scope('dec'), z);
  }

  decode(b: Builder, z: Value): Value {
    return activate(this.decodeRaw(b, z), this.config.outputActivation);
  }

  samplePrior(b: Builder): Value {
    return b.noise('prior', [this.config.latent]);
  }

  /** Per-sample L(x, ℓ) [B] for image-shaped ℓ and x. */
  private reconstructionLoss(raw: Value, x: Value): Value {
    return this.config.loss === 'bce' ? bceWithLogits(raw, x) : sumSquaredError(activate(raw, this.config.outputActivation), x);
  }

  private mse(raw: Value, x: Value): Value {
    return batchMean(meanSquaredError(activate(raw, this.config.outputActivation), x));
  }

  /** Ω of codes a (see the module comment). */
  private sparsity(a: Value): Value {
    return sparsityPenalty(a, this.config.penalty, this.config.rho);
  }

  terms(b: Builder, batch: Batch): Terms {
    const flat = this.net.asFlat(batch.x);
    const x = this.net.asImage(flat);
    const training = b.mode === 'train';
    const xIn = training && this.corrupted ? this.corrupted(b, flat) : flat;
    const a = this.code(b, xIn);
    const raw = this.decodeRaw(b, a);
    const recon = batchMean(this.reconstructionLoss(raw, x));
    const terms: Record<string, Value> = { recon, mse: this.mse(raw, x) };
    let loss = recon;
    const { lambda, contractive } = this.config;
    if (lambda > 0) {
      terms['sparsity'] = this.sparsity(a);
      loss = op.add(loss, op.mul(terms['sparsity'], lambda));
    }
    if (contractive > 0) {
      terms['contractive'] = batchMean(contractiveAutodiff(a, xIn));
      loss = op.add(loss, op.mul(terms['contractive'], contractive));
    }
    if (!training && this.corrupted) {
      const noisy = this.corrupted(b, flat);
      const rawNoisy = this.decodeRaw(b, this.code(b, noisy));
      terms['recon_corrupted'] = batchMean(this.reconstructionLoss(rawNoisy, x));
      terms['mse_corrupted'] = this.mse(rawNoisy, x);
      terms['mse_noisy_input'] = batchMean(meanSquaredError(noisy, flat));
    }
    return { ...terms, loss };
  }
}
