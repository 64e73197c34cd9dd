/**
 * t-SNE input affinities P (van der Maaten & Hinton 2008, §2–3), computed in plain JS.
 *
 * Conditional affinities, one Gaussian per point with its own precision β_i = 1 / (2σ_i²):
 *
 *   p_{j|i} = exp(−β_i d_ij) / Σ_{k≠i} exp(−β_i d_ik),   d_ij = ‖x_i − x_j‖²,   p_{i|i} = 0
 *
 * β_i is found per point so that the row's perplexity 2^{H(P_i)} (H in bits; e^{H} in nats)
 * equals the target (default 30). H(β) decreases monotonically in β, so the search is a
 * safeguarded Newton iteration on H(β) − log(perplexity) with
 *   dH/dβ = −β Var_{P_i}(d)
 * falling back to bisection of the bracketing interval (as sklearn's
 * `_binary_search_perplexity`, but converging in ~5–8 instead of ~20–50 evaluations);
 * tolerance 1e-5 nats, at most 100 evaluations. Distances are shifted by the row minimum
 * before exponentiating (the normalisation cancels it), so no row underflows to all zeros.
 *
 * Joint affinities, symmetrised: p_ij = (p_{j|i} + p_{i|j}) / (2n), so Σ_ij p_ij = 1.
 */

/** Conditional affinities P_{j|i}: n × n row-major (rows sum to 1, zero diagonal), and β_i. */
export interface ConditionalAffinities {
  readonly p: Float32Array;
  readonly beta: Float64Array;
}

/** The largest perplexity t-SNE uses for n points: (n − 1) / 3 (as bhtsne/openTSNE), at least 1. */
export function maxPerplexity(n: number): number {
  return Math.max(1, (n - 1) / 3);
}

/**
 * Row-wise P_{j|i} of n points x (n × k, row-major) at the given perplexity (clamped to
 * `maxPerplexity(n)`). `onRow(done)` is called every 256 rows for progress.
 */
export function conditionalAffinities(x: Float32Array, n: number, k: number, perplexity: number, onRow?: (done: number) => void): ConditionalAffinities {
  const target = Math.log(Math.min(perplexity, maxPerplexity(n)));
  const p = new Float32Array(n * n);
  const beta = new Float64Array(n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dMin = Infinity;
    let dMax = 0;
    const xi = i * k;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      const xj = j * k;
      for (let c = 0; c < k; c++) {
        const t = x[xi + c]! - x[xj + c]!;
        s += t * t;
      }
      d[j] = s;
      if (s < dMin) dMin = s;
      if (s > dMax) dMax = s;
    }
    if (n > 1) {
      for (let j = 0; j < n; j++) d[j] = j === i ? 0 : d[j]! - dMin;
      beta[i] = searchBeta(d, e, i, n, target, dMax - dMin);
      const { s: sum } = entropy(d, e, i, n, beta[i]!);
      const row = i * n;
      for (let j = 0; j < n; j++) p[row + j] = j === i ? 0 : e[j]! / sum;
    }
    if (onRow && (i + 1) % 256 === 0) onRow(i + 1);
  }
  return { p, beta };
}

/**
 * Weights e^{−β d_j} below e^{−CUTOFF} ≈ 2·10⁻²² are taken as 0 (not computed): the nearest
 * point has weight 1 (d is shifted by the row minimum), so this changes Σ e_j by < n·10⁻²².
 */
const CUTOFF = 50;

/**
 * Entropy H (nats) of the row distribution ∝ e_j = exp(−β d_j), j ≠ skip, and dH/dβ; fills
 * `e` with the weights (0 at skip). With S = Σ e_j, E[d] = Σ e_j d_j / S:
 *   H = log S + β E[d],   dH/dβ = −β Var(d).
 */
function entropy(d: Float64Array, e: Float64Array, skip: number, n: number, beta: number): { h: number; dh: number; s: number } {
  let s = 0;
  let s1 = 0;
  let s2 = 0;
  e[skip] = 0;
  for (let j = 0; j < n; j++) {
    if (j === skip) continue;
    const t = beta * d[j]!;
    if (t > CUTOFF) {
      e[j] = 0;
      continue;
    }
    const w = Math.exp(-t);
    e[j] = w;
    s += w;
    s1 += w * d[j]!;
    s2 += w * d[j]! * d[j]!;
  }
  const mean = s1 / s;
  const variance = Math.max(0, s2 / s - mean * mean);
  return { h: Math.log(s) + beta * mean, dh: -beta * variance, s };
}

/** β ≥ 0 with H(β) = target (nats) within 1e-5, by safeguarded Newton on a bracket. */
function searchBeta(d: Float64Array, e: Float64Array, skip: number, n: number, target: number, spread: number): number {
  const tol = 1e-5;
  let lo = 0;
  let hi = Infinity;
  // Start at β = 1 / (d_max − d_min): the farthest point weighs e⁻¹ of the nearest.
  let beta = spread > 0 ? 1 / spread : 1;
  for (let it = 0; it < 100; it++) {
    const { h, dh } = entropy(d, e, skip, n, beta);
    const diff = h - target;
    if (Math.abs(diff) < tol) return beta;
    if (diff > 0) lo = beta; // too flat: sharpen
    else hi = beta;
    let next = dh < 0 ? beta - diff / dh : NaN;
    if (!(next > lo && next < hi)) next = hi === Infinity ? beta * 2 : (lo + hi) / 2;
    if (next === beta) return beta;
    beta = next;
  }
  return beta;
}

/**
 * Symmetrised joint affinities p_ij = (p_{j|i} + p_{i|j}) / (2n), n × n row-major, zero
 * diagonal, summing to 1. Overwrites and returns `cond` (the conditional matrix).
 */
export function jointAffinities(cond: Float32Array, n: number): Float32Array {
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    cond[i * n + i] = 0;
    for (let j = i + 1; j < n; j++) {
      const v = (cond[i * n + j]! + cond[j * n + i]!) * scale;
      cond[i * n + j] = v;
      cond[j * n + i] = v;
    }
  }
  return cond;
}
