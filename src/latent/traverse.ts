/**
 * Latent traversal (the "latent perturbation" figure of Higgins et al. 2017, β-VAE, fig. 7):
 * one row per latent dimension d, in which d takes `steps` values around the centre code
 * while every other dimension stays fixed.
 *
 * Rows are ranked so that the active dimensions come first:
 * - models with a Gaussian posterior q(z|x) = N(μ, σ²) (VAEs): by the mean KL per dimension
 *     KL_d = mean_x ½(μ_d² + σ_d² − log σ_d² − 1),
 *   the dimension's share of the KL term (an inactive, "collapsed" dimension has KL_d ≈ 0);
 * - every other family: by the variance of the codes along d.
 *
 * Offsets: `prior` scale (VAEs) places the values at centre_d + δ for δ evenly spaced in
 * [−range, range] (prior standard deviations); `data` scale uses δ·std_d of the observed codes.
 */
import type { CodeStats } from './code-stats.js';
import { pathTimes } from './interpolate.js';

export interface DimensionRanking {
  /** Dimensions by decreasing score. */
  readonly order: Int32Array;
  /** Score per dimension (KL_d in nats, or the code variance). */
  readonly scores: Float64Array;
  readonly by: 'kl' | 'variance';
}

/** KL_d = mean over rows of ½(μ² + e^{logσ²} − logσ² − 1), per dimension. */
export function klPerDimension(mu: Float32Array, logVar: Float32Array, n: number, k: number): Float64Array {
  if (mu.length !== n * k || logVar.length !== n * k) throw new RangeError(`klPerDimension: expected ${n}×${k} values`);
  const kl = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let d = 0; d < k; d++) {
      const m = mu[r * k + d]!;
      const lv = logVar[r * k + d]!;
      kl[d]! += 0.5 * (m * m + Math.exp(lv) - lv - 1);
    }
  }
  for (let d = 0; d < k; d++) kl[d]! /= n;
  return kl;
}

export function rankDimensions(scores: Float64Array, by: DimensionRanking['by']): DimensionRanking {
  const order = Int32Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return { order, scores, by };
}

/** Ranks dimensions by KL when the posterior (μ, log σ²) is known, else by code variance. */
export function rankLatentDimensions(stats: CodeStats, posterior?: { mu: Float32Array; logVar: Float32Array }): DimensionRanking {
  if (posterior) return rankDimensions(klPerDimension(posterior.mu, posterior.logVar, stats.n, stats.k), 'kl');
  return rankDimensions(Float64Array.from(stats.std, (s) => s * s), 'variance');
}

export interface Traversal {
  /** rows·steps codes (rows × steps × k); row r varies dimension `dims[r]`. */
  readonly codes: Float32Array;
  readonly dims: Int32Array;
  /** The offsets δ of each column (in prior or data standard deviations). */
  readonly offsets: Float64Array;
}

/**
 * Codes of the traversal around `centre` (length k) for dimensions `dims` (one row each):
 * column s sets dimension d to centre_d + δ_s·scale_d, δ_s = −range + 2·range·s/(steps − 1),
 * with scale_d = 1 (`prior`) or the code std of d (`data`).
 */
export function traversalCodes(centre: Float32Array, dims: ArrayLike<number>, range: number, steps: number, scale: 'prior' | 'data', stats: CodeStats): Traversal {
  const k = centre.length;
  if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`range must be a positive number (got ${range})`);
  const offsets = Float64Array.from(pathTimes(steps), (t) => -range + 2 * range * t);
  const codes = new Float32Array(dims.length * steps * k);
  for (let r = 0; r < dims.length; r++) {
    const d = dims[r]!;
    if (!Number.isInteger(d) || d < 0 || d >= k) throw new RangeError(`dimension ${d} is outside [0, ${k - 1}]`);
    const unit = scale === 'prior' ? 1 : stats.std[d]!;
    for (let s = 0; s < steps; s++) {
      const at = (r * steps + s) * k;
      codes.set(centre, at);
      codes[at + d] = centre[d]! + offsets[s]! * unit;
    }
  }
  return { codes, dims: Int32Array.from(dims), offsets };
}
