/**
 * Denoising autoencoder (Vincent, Larochelle, Bengio & Manzagol 2008, "Extracting and
 * composing robust features with denoising autoencoders"; Vincent et al. 2010, JMLR 11,
 * sec. 4.2 for the corruption kinds):
 *
 *   x̃ ~ q(x̃ | x)                     a stochastic corruption of the clean input x
 *   loss = mean_b L(x, dec(enc(x̃)))   reconstruct the CLEAN x from the corrupted x̃
 *
 * with L the summed squared error or Bernoulli NLL of the dense AE body. Corruptions,
 * built in-graph from a per-batch noise input (p = σ = noiseLevel):
 *   gaussian     x̃ = x + σ·ε,  ε ~ N(0, I)                        (isotropic additive noise, not clipped)
 *   masking      x̃_i = 0 if u_i < p, else x_i;  u ~ U[0, 1)       (dropout on the input, no 1/(1−p) rescaling)
 *   salt_pepper  x̃_i = 0 if u_i < p/2; 1 if p/2 ≤ u_i < p; else x_i   (the data's min 0 / max 1, half each)
 *
 * Only the training loss sees corrupted inputs. The eval graph reports the clean
 * reconstruction (`loss`, `recon`, `mse`) plus denoising metrics on a corruption it draws
 * itself (from the trainer's eval generator, so repeatable):
 *   recon_corrupted  L(x, dec(enc(x̃)))            the training objective on held-out data
 *   mse_corrupted    (1/D) Σ_i (dec(enc(x̃))_i − x_i)²   how well corrupted inputs are restored
 *   mse_noisy_input  (1/D) Σ_i (x̃_i − x_i)²            the corruption itself (the do-nothing baseline)
 * During training, `recon` and `mse` are those of the denoised reconstruction (what the
 * loss optimises).
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { batchMean, meanSquaredError } from '../../losses/reconstruction.js';
import { DenseAeModel } from '../common/dense-model.js';
import type { Batch, Terms } from '../types.js';
import type { Corruption, DaeConfig } from './config.js';

/**
 * x̃ from the flat input x [B, D] and a per-sample noise input [B, D]: standard normal ε for
 * `gaussian`, U[0, 1) draws u for `masking` and `salt_pepper` (see the module comment).
 */
export function corrupt(x: Value, noise: Value, kind: Corruption, level: number): Value {
  switch (kind) {
    case 'gaussian':
      return op.add(x, op.mul(noise, level));
    case 'masking':
      return op.where(op.greaterOrEqual(noise, level), x, 0);
    case 'salt_pepper':
      return op.where(op.less(noise, level / 2), 0, op.where(op.less(noise, level), 1, x));
  }
}

export class Dae extends DenseAeModel<DaeConfig> {
  readonly family: string = 'dae';

  /** The codes of clean inputs (no corruption outside the training loss). */

  /** x̃ for the flat x [B, D], drawing the noise input `noise.corruption` (x itself at noise level 0). */
  corrupted(b: Builder, x: Value): Value {
    const { corruption, noiseLevel } = this.config;
    if (noiseLevel === 0) return x;
    const noise = b.noise('corruption', [this.net.inputSize], corruption === 'gaussian' ? 'normal' : 'uniform');
    return corrupt(x, noise, corruption, noiseLevel);
  }

  /** Raw decoder output [B, D] for the flat input `x`. */
  private reconstructRaw(b: Builder, x: Value): Value {
    return this.net.decodeRaw(b, this.net.encode(b, x).code);
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.net.flat(batch.x);
    if (b.mode === 'train') {
      const raw = this.reconstructRaw(b, this.corrupted(b, x));
      const recon = batchMean(this.net.reconstructionLoss(raw, x));
      return { loss: recon, recon, mse: this.net.mse(raw, x) };
    }
    const raw = this.reconstructRaw(b, x);
    const recon = batchMean(this.net.reconstructionLoss(raw, x));
    const noisy = this.corrupted(b, x);
    const rawNoisy = this.reconstructRaw(b, noisy);
    return {
      loss: recon,
      recon,
      mse: this.net.mse(raw, x),
      recon_corrupted: batchMean(this.net.reconstructionLoss(rawNoisy, x)),
      mse_corrupted: this.net.mse(rawNoisy, x),
      mse_noisy_input: batchMean(meanSquaredError(noisy, x)),
    };
  }
}
