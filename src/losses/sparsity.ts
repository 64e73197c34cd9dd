/**
 * Sparsity penalties on code activations (Goodfellow, Bengio & Courville, Deep Learning,
 * sec. 14.2.1; Ng, CS294A lecture notes "Sparse autoencoder", sec. 2.2).
 */
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { batchMean } from './reconstruction.js';

/** Bounds of ρ̂ inside the logs of the KL penalty. */
const RHO_HAT_EPS = 1e-6;

/** L1 activity penalty Σ_j |a_j| per sample [B] of codes a [B, J]. */
export function l1Activity(a: Value): Value {
  return op.reduceSum(op.abs(a), [1]);
}

/**
 * KL sparsity penalty Σ_j KL(ρ ‖ ρ̂_j) (a scalar) of sigmoid codes a [B, J], with ρ̂_j the
 * batch mean of unit j clipped into [1e-6, 1−1e-6]:
 *   KL(ρ ‖ ρ̂) = ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂))   (Ng, CS294A notes, sec. 2.2).
 */
export function klSparsity(a: Value, rho: number): Value {
  const rhoHat = op.clip(op.reduceMean(a, [0]), RHO_HAT_EPS, 1 - RHO_HAT_EPS);
  const entropyPart = rho * Math.log(rho) + (1 - rho) * Math.log(1 - rho);
  const cross = op.add(op.mul(op.log(rhoHat), rho), op.mul(op.log(op.sub(1, rhoHat)), 1 - rho));
  return op.reduceSum(op.sub(entropyPart, cross), [0]);
}

/**
 * The sparse autoencoder's activity penalty Ω(a) of codes a [B, k]: the batch mean of the L1
 * activity Σ_j |a_j| (`l1`), or Σ_j KL(ρ ‖ ρ̂_j) of the mean activations (`kl`).
 */
export function sparsityPenalty(a: Value, penalty: 'l1' | 'kl', rho: number): Value {
  return penalty === 'l1' ? batchMean(l1Activity(a)) : klSparsity(a, rho);
}
