/**
 * Sparse autoencoder: a dense AE whose code activations a = enc(x) [B, J] are pushed
 * towards zero by a penalty Ω(a) of weight λ (Goodfellow, Bengio & Courville, Deep
 * Learning, sec. 14.2.1; Ng, CS294A lecture notes "Sparse autoencoder", sec. 2.2):
 *
 *   loss = mean_b L(x, dec(a)) + λ·Ω
 *   l1   Ω = mean_b Σ_j |a_bj|                                   (Laplace-prior view, DL eq. 14.6)
 *   kl   Ω = Σ_j KL(ρ ‖ ρ̂_j),  ρ̂_j = mean_b a_bj   (a batch statistic, as in Ng's notes)
 *        KL(ρ ‖ ρ̂) = ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂)),  ρ̂ clipped into [1e-6, 1−1e-6]
 *
 * Terms: `loss`, `recon`, `mse`, `sparsity` (Ω, unweighted, so loss = recon + λ·sparsity),
 * `mean_activation` (mean of a over batch and units) and `active_fraction` (fraction of
 * code activations above ACTIVE_THRESHOLD). Under kl the eval value of `sparsity` uses ρ̂
 * of each eval batch, so it depends a little on the eval batch size.
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { batchMean } from '../../losses/reconstruction.js';
import { sparsityPenalty } from '../../losses/sparsity.js';
import { DenseAeModel } from '../common/dense-model.js';
import type { Batch, Terms } from '../types.js';
import type { SparseConfig } from './config.js';

/**
 * A code unit counts as active above 0.1: twice the default target ρ = 0.05 and well below
 * a sigmoid's midpoint 0.5, so it separates "near off" from "firing" for sigmoid codes.
 */
export const ACTIVE_THRESHOLD = 0.1;

export class SparseAe extends DenseAeModel<SparseConfig> {
  readonly family: string = 'sparse';
  override readonly trainTerms: readonly string[] = ['loss', 'recon', 'mse', 'sparsity', 'mean_activation', 'active_fraction'];

  /** Ω of codes a [B, J] under the configured penalty (a scalar). */
  penalty(a: Value): Value {
    return sparsityPenalty(a, this.config.penalty, this.config.rho);
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.net.flat(batch.x);
    const a = this.net.encode(b, x).code;
    const raw = this.net.decodeRaw(b, a);
    const recon = batchMean(this.net.reconstructionLoss(raw, x));
    const sparsity = this.penalty(a);
    const { lambda } = this.config;
    return {
      loss: lambda === 0 ? recon : op.add(recon, op.mul(sparsity, lambda)),
      recon,
      mse: this.net.mse(raw, x),
      sparsity,
      mean_activation: op.reduceMean(a),
      active_fraction: op.reduceMean(op.cast(op.greater(a, ACTIVE_THRESHOLD), 'float32')),
    };
  }
}
