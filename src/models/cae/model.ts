/**
 * Contractive autoencoder (Rifai, Vincent, Muller, Glorot & Bengio 2011, "Contractive
 * auto-encoders: explicit invariance during feature extraction", ICML, eq. 1):
 *
 *   loss = mean_b [ L(x, dec(f(x))) + λ·‖J_f(x)‖_F² ],   J_f(x) = ∂f(x)/∂x  [J × D]
 *
 * with f the encoder (x → code). ‖J‖_F² is computed
 *   exact     for one sigmoid layer h = σ(xW + b), W [D, J] (Rifai et al., sec. 4):
 *             ‖J‖_F² = Σ_j (h_j(1−h_j))² Σ_i W_ij²
 *   autodiff  for any encoder: row j of every sample's Jacobian is the vector-Jacobian
 *             product of the code with the one-hot seed e_j (one reverse pass per code
 *             unit), ‖J‖_F² = Σ_j ‖e_jᵀ J‖². The training step differentiates through these
 *             gradient graphs (second order).
 * Terms: `loss`, `recon`, `mse`, `contractive` (mean_b ‖J‖_F², unweighted, so
 * loss = recon + λ·contractive) and `jacobian_norm` (mean_b ‖J‖_F).
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { initializerFor } from '../../nn/init.js';
import { contractiveAutodiff, contractiveExact } from '../../losses/contractive.js';
import { batchMean } from '../../losses/reconstruction.js';
import { DenseAeModel } from '../common/dense-model.js';
import type { Batch, Terms } from '../types.js';
import { type CaeConfig, exactApplies } from './config.js';

export class Cae extends DenseAeModel<CaeConfig> {
  readonly family: string = 'cae';
  override readonly trainTerms: readonly string[] = ['loss', 'recon', 'mse', 'contractive'];

  /** Whether ‖J‖² uses the closed form (`exact`, or `auto` on a single sigmoid layer). */
  get exact(): boolean {
    return this.config.jacobian === 'exact' || (this.config.jacobian === 'auto' && exactApplies(this.config));
  }

  /** ‖J_f(x)‖_F² per sample [B] for the flat input x the encoder consumed and its code. */
  jacobianSquaredNorm(b: Builder, x: Value, code: Value): Value {
    if (!this.exact) return contractiveAutodiff(code, x);
    const D = this.net.inputSize;
    // The encoder's only weight, re-used by name (the builder returns the declared parameter).
    const W = b.scope('enc').scope('0').param('W', [D, this.config.latent], initializerFor(this.config.init, D));
    return contractiveExact(code, W);
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.net.flat(batch.x);
    const code = this.net.encode(b, x).code;
    const raw = this.net.decodeRaw(b, code);
    const recon = batchMean(this.net.reconstructionLoss(raw, x));
    const jac2 = this.jacobianSquaredNorm(b, x, code);
    const contractive = batchMean(jac2);
    const { lambda } = this.config;
    return {
      loss: lambda === 0 ? recon : op.add(recon, op.mul(contractive, lambda)),
      recon,
      mse: this.net.mse(raw, x),
      contractive,
      jacobian_norm: batchMean(op.sqrt(jac2)),
    };
  }
}
