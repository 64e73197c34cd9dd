/**
 * Conditional variational autoencoder (Sohn et al. 2015, "Learning Structured Output
 * Representation using Deep Conditional Generative Models"; the conditioning of Kingma et al.
 * 2014's M2 with observed labels). The VAE of ../vae with the one-hot label y, multiplied by
 * s = config.labelScale (default 10, see ./label-scale.ts), joined to the inputs of both networks:
 *
 *   encoder  h = MLP(x ⊕ s·y);  μ, log σ² = dense(h)                        q(z|x, y)
 *   decoder  ℓ = MLP(z ⊕ s·y)                                               p(x|z, y)
 *   loss     = mean_b [ −log p(x|z, y) + β · KL(q(z|x, y) ‖ N(0, I)) ]
 *
 * Everything else (likelihoods, β, KL warm-up, the IWAE bound) is the VAE's: this class is the
 * VAE always given s·y. Parameters are named as in the VAE (`enc.*`, `dec.*`); the first layer
 * of each network has numClasses more inputs. Sampling draws z ~ N(0, I) and decodes it with
 * the wanted class, so the label, not the code, chooses the digit. The scale s lives inside the
 * graphs: callers (and exported encoder/decoder ONNX models) still feed the plain one-hot y.
 */
import type { Value } from '../../graph/graph.js';
import type { Builder } from '../../nn/builder.js';
import { scaledLabel } from '../common/scaled-label.js';
import { Vae } from '../vae/model.js';
import type { AutoencoderModel, Batch, Codes, Terms } from '../types.js';
import type { CvaeConfig } from './config.js';

export class Cvae implements AutoencoderModel {
  readonly family: string = 'cvae';
  /** The VAE whose networks read x ⊕ s·y and z ⊕ s·y. */
  private readonly vae: Vae;

  constructor(readonly config: CvaeConfig) {
    const { numClasses: _classes, family: _family, labelScale: _scale, ...vaeConfig } = config;
    this.vae = new Vae({ ...vaeConfig, family: 'vae' });
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  get numClasses(): number {
    return this.config.numClasses;
  }

  get trainTerms(): readonly string[] {
    return this.vae.trainTerms;
  }

  /** The one-hot labels as the networks read them: s·y. */
  private label(y: Value | undefined, what: string): Value {
    return scaledLabel('cvae', what, y, this.config.labelScale);
  }

  encode(b: Builder, x: Value, y?: Value): Codes {
    return this.vae.encode(b, x, this.label(y, 'encode'));
  }

  decode(b: Builder, z: Value, y?: Value): Value {
    return this.vae.decode(b, z, this.label(y, 'decode'));
  }

  samplePrior(b: Builder): Value {
    return this.vae.samplePrior(b);
  }

  /** log p(x, z|y) − log q(z|x, y) for one posterior draw per sample [B] (the IWAE bound's weight). */
  logImportanceWeight(b: Builder, x: Value, y?: Value): Value {
    return this.vae.logImportanceWeight(b, x, this.label(y, 'importance weight'));
  }

  terms(b: Builder, batch: Batch): Terms {
    return this.vae.terms(b, { x: batch.x, y: this.label(batch.y, 'terms') });
  }
}
