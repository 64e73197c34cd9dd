/**
 * Adversarial losses on discriminator logits ℓ [B, 1] (Goodfellow et al. 2014), in the
 * stable softplus form of the binary cross-entropy: −log σ(ℓ) = softplus(−ℓ),
 * −log(1 − σ(ℓ)) = softplus(ℓ).
 */
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';

/** Discriminator loss per sample [B]: −log σ(ℓ_real) − log(1 − σ(ℓ_fake)) = softplus(−ℓ_real) + softplus(ℓ_fake). */
export function discriminatorLoss(realLogit: Value, fakeLogit: Value): Value {
  return op.reduceSum(op.add(op.softplus(op.neg(realLogit)), op.softplus(fakeLogit)), [1]);
}

/** Non-saturating generator loss per sample [B]: −log σ(ℓ_fake) = softplus(−ℓ_fake) (Goodfellow et al. 2014, sec. 3). */
export function generatorLoss(fakeLogit: Value): Value {
  return op.reduceSum(op.softplus(op.neg(fakeLogit)), [1]);
}
