/**
 * Conditional variational autoencoder (Sohn et al. 2015, "Learning Structured Output
 * Representation using Deep Conditional Generative Models"; the conditioning of Kingma et al.
 * 2014's M2 with observed labels). The VAE of ../vae with the one-hot label y joined to the
 * inputs of both networks:
 *
 *   encoder  h = MLP(x ⊕ y);  μ, log σ² = dense(h)                          q(z|x, y)
 *   decoder  ℓ = MLP(z ⊕ y)                                                 p(x|z, y)
 *   loss     = mean_b [ −log p(x|z, y) + β · KL(q(z|x, y) ‖ N(0, I)) ]
 *
 * Parameters are named as in the VAE (`enc.*`, `dec.*`); only the first layer of each
 * network is wider by numClasses inputs. Sampling draws z ~ N(0, I) and decodes it with the
 * wanted class: the label, not the code, picks the digit.
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { Vae } from '../vae/model.js';
import type { AutoencoderModel, Batch, Codes, Terms } from '../types.js';
import type { CvaeConfig } from './config.js';

export class Cvae implements AutoencoderModel {
  readonly family: string = 'cvae';
  readonly trainTerms: readonly string[] = ['loss', 'recon', 'kl', 'mse'];
  /** The unconditional VAE whose networks take x ⊕ y and z ⊕ y. */
  private readonly vae: Vae;

  constructor(readonly config: CvaeConfig) {
    const { numClasses: _c, ...vaeConfig } = config;
    this.vae = new Vae({ ...vaeConfig, family: 'vae' });
  }
}
