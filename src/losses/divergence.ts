/**
 * Divergences between distributions on latent codes, per sample [B].
 */
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { featureAxes } from './reconstruction.js';

/**
 * KL(N(μ, diag e^{s}) ‖ N(0, I)) = −½ Σ_j (1 + s_j − μ_j² − e^{s_j})
 * (Kingma & Welling 2014, Auto-Encoding Variational Bayes, appendix B).
 */
export function gaussianKlToStandard(mu: Value, logVar: Value): Value {
  const inner = op.sub(op.sub(op.add(logVar, 1), op.square(mu)), op.exp(logVar));
  return op.mul(op.reduceSum(inner, featureAxes(mu)), -0.5);
}
