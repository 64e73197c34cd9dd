/**
 * Conditional convolutional VAE (Sohn et al. 2015, with the conv layers of ../conv-vae):
 *
 *   encoder  q(z|x, y): convs over x ⊕ P, P = s·y broadcast to K planes [B, K, H, W]
 *            (the class at every pixel, so the first conv reads it), then dense → μ, log σ²
 *   decoder  p(x|z, y): dense + deconvs over z ⊕ s·y                          [B, C, H, W]
 *   loss     = mean_b [ −log p(x|z, y) + β · KL(q(z|x, y) ‖ N(0, I)) ]
 *
 * It is the conv VAE given labels (ConvVae with numClasses K and label scale s); sampling draws
 * z ~ N(0, I) and decodes it with the wanted class. Callers and exported models feed the plain
 * one-hot y; s lives inside the graphs.
 */
import { ConvVae } from '../conv-vae/model.js';
import type { ConvCvaeConfig } from './config.js';

export class ConvCvae extends ConvVae {
  constructor(readonly cvaeConfig: ConvCvaeConfig) {
    const { numClasses, labelScale, family: _family, ...vae } = cvaeConfig;
    super(vae, numClasses, labelScale, 'conv-cvae');
  }
}
