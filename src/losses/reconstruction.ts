/**
 * Reconstruction losses. Each returns a per-sample value of shape [B] (summed over the
 * features of one sample, in nats where it is a likelihood); `batchMean` turns it into
 * the scalar training term.
 */
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';

/** Axes 1..rank-1: every feature axis of a [B, ...] tensor. */
export function featureAxes(x: Value): number[] {
  return [...Array(x.rank).keys()].slice(1);
}

/** Mean over the batch axis of a per-sample value [B] → scalar. */
export function batchMean(perSample: Value): Value {
  return op.reduceMean(perSample, [0]);
}

/**
 * Bernoulli negative log-likelihood from logits ℓ (binary cross-entropy with logits):
 * −log p(x|ℓ) = Σ_i softplus(ℓ_i) − x_i·ℓ_i, the stable form of
 * −[x log σ(ℓ) + (1−x) log(1−σ(ℓ))] (as torch.nn.functional.binary_cross_entropy_with_logits).
 */
export function bceWithLogits(logits: Value, x: Value): Value {
  return op.reduceSum(op.sub(op.softplus(logits), op.mul(x, logits)), featureAxes(x));
}

/** Sum of squared errors Σ_i (x̂_i − x_i)². */
export function sumSquaredError(xhat: Value, x: Value): Value {
  return op.reduceSum(op.square(op.sub(xhat, x)), featureAxes(x));
}

/** Mean squared error per pixel: (1/D) Σ_i (x̂_i − x_i)². */
export function meanSquaredError(xhat: Value, x: Value): Value {
  return op.reduceMean(op.square(op.sub(xhat, x)), featureAxes(x));
}

/**
 * Gaussian negative log-likelihood with mean m and log-variance s (scalar or per feature):
 * −log N(x; m, e^s) = ½ Σ_i [log 2π + s_i + (x_i − m_i)² e^{−s_i}].
 */
export function gaussianNll(x: Value, mean: Value, logVar: Value): Value {
  const sq = op.mul(op.square(op.sub(x, mean)), op.exp(op.neg(logVar)));
  const perFeature = op.add(op.add(sq, logVar), Math.log(2 * Math.PI));
  return op.mul(op.reduceSum(op.expandAs(perFeature, x), featureAxes(x)), 0.5);
}
