/**
 * A Gaussian mixture with diagonal covariances, fitted by expectation–maximisation
 * (Dempster, Laird & Rubin 1977; Bishop, PRML §9.2). It gives families without a prior
 * (ae, dae, sparse, cae, stacked) something to sample codes from: fit it to the training
 * codes, draw z from it, decode.
 *
 *   p(x) = Σ_k w_k N(x | μ_k, diag σ²_k)
 *   log N(x | μ, diag σ²) = −½ Σ_j [ log(2π σ²_j) + (x_j − μ_j)² / σ²_j ]
 *   E-step:  r_ik = w_k N(x_i | k) / Σ_l w_l N(x_i | l)     (log-sum-exp, in float64)
 *   M-step:  N_k = Σ_i r_ik,  w_k = N_k / n,  μ_k = Σ_i r_ik x_i / N_k,
 *            σ²_kj = max(Σ_i r_ik (x_ij − μ_kj)² / N_k, floor)
 * Clamping σ² at the floor is the exact maximiser under σ² ≥ floor (the likelihood is
 * unimodal in each σ²_kj), so the log-likelihood never decreases over iterations.
 *
 * Initialisation: k-means++ seeding (Arthur & Vassilvitskii 2007) from a seeded `Rng`,
 * a few Lloyd iterations, then weights, means and variances of the hard clusters.
 * The floor is `varianceFloor` × the data's mean per-dimension variance (scale-free).
 */
import { z } from 'zod';
import { DataError } from '../data/errors.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';

export interface GmmFitOptions {
  /** Mixture components K (default 10). */
  readonly components?: number;
  /** Seed of the k-means++ initialisation (default 0). */
  readonly seed?: number;
  /** EM iterations at most (default 100). */
  readonly maxIter?: number;
  /** Stop when the mean log-likelihood per sample rises by less than this (nats, default 1e-5). */
  readonly tol?: number;
  /** Variance floor relative to the data's mean per-dimension variance (default 1e-6). */
  readonly varianceFloor?: number;
  /** Lloyd (k-means) iterations after the k-means++ seeding (default 10). */
  readonly kmeansIter?: number;
}

export const GMM_DEFAULTS = { components: 10, seed: 0, maxIter: 100, tol: 1e-5, varianceFloor: 1e-6, kmeansIter: 10 } as const;

/** The JSON form of a fitted mixture (`GaussianMixture.toJSON`). */
export interface GaussianMixtureJson {
  readonly kind: 'gaussian-mixture-diag';
  readonly dim: number;
  readonly weights: number[];
  /** K rows of dim means. */
  readonly means: number[][];
  /** K rows of dim variances. */
  readonly variances: number[][];
}

const finite = z.number().refine(Number.isFinite, 'must be finite');
const jsonSchema = z
  .object({
    kind: z.literal('gaussian-mixture-diag'),
    dim: z.number().int().positive(),
    weights: z.array(finite.refine((w) => w >= 0, 'must be ≥ 0')).min(1),
    means: z.array(z.array(finite)),
    variances: z.array(z.array(finite.refine((v) => v > 0, 'must be > 0'))),
  })
  .strict();

const LOG_2PI = Math.log(2 * Math.PI);

export class GaussianMixture {
  private constructor(
    /** Mixing weights w_k, length K, summing to 1. */
    readonly weights: Float64Array,
    /** Means μ_k, K × dim row-major. */
    readonly means: Float64Array,
    /** Variances σ²_k, K × dim row-major. */
    readonly variances: Float64Array,
    readonly dim: number,
    /** Mean log-likelihood per sample of the training data before each M-step and after the last (fit only). */
    readonly history: readonly number[] = [],
  ) {}

  get components(): number {
    return this.weights.length;
  }

  /** Iterations of EM run (fit only). */
  get iterations(): number {
    return Math.max(0, this.history.length - 1);
  }

  /** Fits K diagonal Gaussians to `n` rows of `d` values (row-major) by EM. */
  static fit(x: Float32Array, n: number, d: number, opts: GmmFitOptions = {}): GaussianMixture {
    const o = { ...GMM_DEFAULTS, ...opts };
    const K = o.components;
    if (!Number.isInteger(K) || K < 1) throw new UsageError(`mixture components must be a positive integer (got ${K})`);
    if (!Number.isInteger(n) || !Number.isInteger(d) || d < 1 || x.length !== n * d) throw new RangeError(`GMM: expected ${n} × ${d} values, got ${x.length}`);
    if (n < K) throw new UsageError(`a ${K}-component mixture needs at least ${K} codes (got ${n}); use fewer components`);
    if (!Number.isInteger(o.maxIter) || o.maxIter < 0) throw new UsageError(`GMM maxIter must be a non-negative integer (got ${o.maxIter})`);
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]!)) throw new RangeError(`GMM: row ${Math.floor(i / d)}, dimension ${i % d} is ${x[i]} (codes must be finite)`);
    }
    // EM runs on float64 data centred on its mean; the means are shifted back at the end.
    const centre = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centre[j]! += x[i * d + j]!;
    for (let j = 0; j < d; j++) centre[j]! /= n;
    const xc = Float64Array.from(x, (v, i) => v - centre[i % d]!);
    const floor = o.varianceFloor * Math.max(meanVariance(xc, n, d), 1e-300);
    const init = kmeansInit(xc, n, d, K, new Rng(`${o.seed}:gmm`), o.kmeansIter, floor);
    const gmm = new GaussianMixture(init.weights, init.means, init.variances, d);
    const history: number[] = [];
    const resp = new Float64Array(n * K);
    for (let it = 0; ; it++) {
      const ll = gmm.responsibilities(xc, n, resp);
      history.push(ll);
      const prev = history[history.length - 2];
      if (it >= o.maxIter || (prev !== undefined && ll - prev < o.tol)) break;
      gmm.maximise(xc, n, resp, floor);
    }
    const means = gmm.means.map((m, i) => m + centre[i % d]!);
    return new GaussianMixture(gmm.weights, means, gmm.variances, d, history);
  }

  /** log N(x_i | μ_k, σ²_k) + log w_k for every component into `out` (length K); returns log p(x_i). */
  private logJoint(x: ArrayLike<number>, row: number, out: Float64Array, logNorm: Float64Array, precision: Float64Array): number {
    const d = this.dim;
    const K = logNorm.length;
    const means = this.means;
    const base = row * d;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      let q = 0;
      const off = k * d;
      for (let j = 0; j < d; j++) {
        const diff = x[base + j]! - means[off + j]!;
        q += diff * diff * precision[off + j]!;
      }
      const v = logNorm[k]! - 0.5 * q;
      out[k] = v;
      if (v > max) max = v;
    }
    if (max === Number.NEGATIVE_INFINITY) return max;
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(out[k]! - max);
    return max + Math.log(s);
  }

  /** log w_k − ½ Σ_j log(2π σ²_kj) per component, and the precisions 1/σ². */
  private norms(): { logNorm: Float64Array; precision: Float64Array } {
    const { dim: d } = this;
    const logNorm = new Float64Array(this.components);
    const precision = this.variances.map((v) => 1 / v);
    for (let k = 0; k < this.components; k++) {
      let s = d * LOG_2PI;
      for (let j = 0; j < d; j++) s += Math.log(this.variances[k * d + j]!);
      logNorm[k] = Math.log(this.weights[k]!) - 0.5 * s;
    }
    return { logNorm, precision };
  }

  /** E-step: r_ik into `resp` (n × K); returns the mean log-likelihood per sample. */
  private responsibilities(x: Float64Array, n: number, resp: Float64Array): number {
    const K = this.components;
    const { logNorm, precision } = this.norms();
    const lj = new Float64Array(K);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const lp = this.logJoint(x, i, lj, logNorm, precision);
      total += lp;
      for (let k = 0; k < K; k++) resp[i * K + k] = Math.exp(lj[k]! - lp);
    }
    return total / n;
  }

  /**
   * M-step in place, from sufficient statistics Σ r, Σ r x, Σ r x² of `x` (float64, centred
   * on the data mean, so E[x²] − μ² loses little precision). A component with (numerically)
   * no responsibility keeps its mean and variances.
   */
  private maximise(x: Float64Array, n: number, resp: Float64Array, floor: number): void {
    const d = this.dim;
    const K = this.components;
    const nk = new Float64Array(K);
    const s1 = new Float64Array(K * d);
    const s2 = new Float64Array(K * d);
    for (let i = 0; i < n; i++) {
      const base = i * d;
      for (let k = 0; k < K; k++) {
        const r = resp[i * K + k]!;
        nk[k]! += r;
        const off = k * d;
        for (let j = 0; j < d; j++) {
          const v = x[base + j]!;
          const rv = r * v;
          s1[off + j]! += rv;
          s2[off + j]! += rv * v;
        }
      }
    }
    for (let k = 0; k < K; k++) {
      this.weights[k] = nk[k]! / n;
      if (!(nk[k]! > 1e-10 * n)) continue;
      for (let j = 0; j < d; j++) {
        const mu = s1[k * d + j]! / nk[k]!;
        this.means[k * d + j] = mu;
        this.variances[k * d + j] = Math.max(s2[k * d + j]! / nk[k]! - mu * mu, floor);
      }
    }
  }

  /** Mean log-density per sample, (1/n) Σ_i log p(x_i), in nats. */
  logLikelihood(x: Float32Array, n: number): number {
    return this.logDensities(x, n).reduce((a, b) => a + b, 0) / n;
  }

  /** log p(x_i) for each of `n` rows. */
  logDensities(x: Float32Array, n: number): Float64Array {
    if (x.length !== n * this.dim) throw new RangeError(`GMM: expected ${n} × ${this.dim} values, got ${x.length}`);
    const { logNorm, precision } = this.norms();
    const lj = new Float64Array(this.components);
    return Float64Array.from({ length: n }, (_, i) => this.logJoint(x, i, lj, logNorm, precision));
  }

  /** The most responsible component of each of `n` rows. */
  assign(x: Float32Array, n: number): Int32Array {
    if (x.length !== n * this.dim) throw new RangeError(`GMM: expected ${n} × ${this.dim} values, got ${x.length}`);
    const { logNorm, precision } = this.norms();
    const lj = new Float64Array(this.components);
    return Int32Array.from({ length: n }, (_, i) => {
      this.logJoint(x, i, lj, logNorm, precision);
      let best = 0;
      for (let k = 1; k < lj.length; k++) if (lj[k]! > lj[best]!) best = k;
      return best;
    });
  }

  /**
   * `m` draws (m × dim, row-major): a component k ~ w, then μ_k + t σ_k ε with ε ~ N(0, I)
   * and t the temperature (1: the fitted mixture; 0: the component means).
   */
  sample(m: number, rng: Rng, temperature = 1): Float32Array {
    if (!(Number.isFinite(temperature) && temperature >= 0)) throw new UsageError(`temperature must be a finite number ≥ 0 (got ${temperature})`);
    const { dim: d } = this;
    const K = this.components;
    const cum = new Float64Array(K);
    let acc = 0;
    for (let k = 0; k < K; k++) cum[k] = acc += this.weights[k]!;
    const picks = Int32Array.from({ length: m }, () => {
      const u = rng.uniform() * acc;
      let k = 0;
      while (k < K - 1 && u >= cum[k]!) k++;
      return k;
    });
    const out = rng.fillNormal(new Float32Array(m * d));
    for (let i = 0; i < m; i++) {
      const k = picks[i]!;
      for (let j = 0; j < d; j++) out[i * d + j] = this.means[k * d + j]! + temperature * Math.sqrt(this.variances[k * d + j]!) * out[i * d + j]!;
    }
    return out;
  }

  toJSON(): GaussianMixtureJson {
    const { dim: d } = this;
    const rows = (a: Float64Array) => Array.from({ length: this.components }, (_, k) => Array.from(a.subarray(k * d, (k + 1) * d)));
    return { kind: 'gaussian-mixture-diag', dim: d, weights: Array.from(this.weights), means: rows(this.means), variances: rows(this.variances) };
  }

  /** Reads `toJSON()` output back; `source` (e.g. the file path) names the origin in errors. */
  static fromJSON(json: unknown, source = 'mixture JSON'): GaussianMixture {
    const parsed = jsonSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DataError(`${source}: ${issue.path.join('.') || 'value'} ${issue.message}`);
    }
    const { dim, weights, means, variances } = parsed.data;
    const K = weights.length;
    if (means.length !== K || variances.length !== K) throw new DataError(`${source}: ${K} weights but ${means.length} means and ${variances.length} variance rows`);
    const bad = [...means, ...variances].findIndex((r) => r.length !== dim);
    if (bad >= 0) throw new DataError(`${source}: every mean and variance row must have dim = ${dim} values`);
    const total = weights.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-6) throw new DataError(`${source}: weights sum to ${total}, not 1`);
    return new GaussianMixture(Float64Array.from(weights), Float64Array.from(means.flat()), Float64Array.from(variances.flat()), dim);
  }
}

function meanVariance(x: ArrayLike<number>, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i * d + j]!;
    m /= n;
    let s = 0;
    for (let i = 0; i < n; i++) s += (x[i * d + j]! - m) ** 2;
    total += s / n;
  }
  return total / d;
}

function sqDist(x: ArrayLike<number>, i: number, c: Float64Array, k: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += (x[i * d + j]! - c[k * d + j]!) ** 2;
  return s;
}

/** k-means++ seeding, `iters` Lloyd iterations, then the hard clusters' weights, means and (floored) variances. */
function kmeansInit(x: ArrayLike<number>, n: number, d: number, K: number, rng: Rng, iters: number, floor: number) {
  const centers = new Float64Array(K * d);
  const setCenter = (k: number, i: number): void => {
    for (let j = 0; j < d; j++) centers[k * d + j] = x[i * d + j]!;
  };
  setCenter(0, rng.int(n));
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (let k = 1; k < K; k++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      best[i] = Math.min(best[i]!, sqDist(x, i, centers, k - 1, d));
      total += best[i]!;
    }
    // D² sampling: row i with probability best_i / Σ best (uniform if every row sits on a centre).
    let pick = n - 1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < n; i++) {
        u -= best[i]!;
        if (u < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = rng.int(n);
    }
    setCenter(k, pick);
  }
  const assign = new Int32Array(n);
  const counts = new Float64Array(K);
  const sums = new Float64Array(K * d);
  const assignAll = (): void => {
    for (let i = 0; i < n; i++) {
      let b = 0;
      let bd = Number.POSITIVE_INFINITY;
      for (let k = 0; k < K; k++) {
        const dist = sqDist(x, i, centers, k, d);
        if (dist < bd) {
          bd = dist;
          b = k;
        }
      }
      assign[i] = b;
    }
    counts.fill(0);
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const k = assign[i]!;
      counts[k]!++;
      for (let j = 0; j < d; j++) sums[k * d + j]! += x[i * d + j]!;
    }
  };
  for (let it = 0; it < iters; it++) {
    assignAll();
    for (let k = 0; k < K; k++) if (counts[k]! > 0) for (let j = 0; j < d; j++) centers[k * d + j] = sums[k * d + j]! / counts[k]!;
  }
  assignAll();
  const means = new Float64Array(K * d);
  const variances = new Float64Array(K * d);
  const weights = new Float64Array(K);
  const global = meanVariance(x, n, d);
  for (let k = 0; k < K; k++) {
    // An empty cluster (duplicate rows) keeps its centre, a tiny weight and the global variance.
    weights[k] = Math.max(counts[k]!, 1e-3) / n;
    for (let j = 0; j < d; j++) means[k * d + j] = counts[k]! > 0 ? sums[k * d + j]! / counts[k]! : centers[k * d + j]!;
  }
  for (let i = 0; i < n; i++) {
    const k = assign[i]!;
    for (let j = 0; j < d; j++) variances[k * d + j]! += (x[i * d + j]! - means[k * d + j]!) ** 2;
  }
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) variances[k * d + j] = Math.max(counts[k]! > 1 ? variances[k * d + j]! / counts[k]! : global, floor);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < K; k++) weights[k]! /= total;
  return { weights, means, variances };
}
