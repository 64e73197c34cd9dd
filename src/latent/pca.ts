/**
 * Principal component analysis, the linear baseline for every autoencoder.
 *
 * The covariance C = (1/n) Σ (x − μ)(x − μ)ᵀ is accumulated batch by batch as XᵀX with one
 * ONNX Gemm per batch (fast for 60k × 784), then the top-k eigenpairs of C = XᵀX/n − μμᵀ
 * are found by the Lanczos process (top-eigen.ts; ml-matrix's full symmetric decomposition when
 * k is a large share of D). The top-k eigenvectors are
 * the components; a code is W(x − μ) and a reconstruction μ + Wᵀ code, which is the best
 * rank-k linear reconstruction in squared error (Eckart–Young).
 */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { Graph } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { Program, type RuntimeOptions } from '../runtime/program.js';
import { topEigen } from './top-eigen.js';

export class Pca {
  private constructor(
    /** Data mean μ, length D. */
    readonly mean: Float64Array,
    /** Components as rows, k × D (row-major), unit length, by decreasing variance. */
    readonly components: Float64Array,
    /** Variance along each component (eigenvalues), length k. */
    readonly variances: Float64Array,
    /** Total variance (trace of C). */
    readonly totalVariance: number,
    readonly k: number,
    readonly dim: number,
  ) {}

  /** Fits the top `k` components of `data`. */
  static async fit(data: Dataset, k: number, runtime: RuntimeOptions, batchSize = 2000): Promise<Pca> {
    const d = sampleSize(data);
    if (!Number.isInteger(k) || k < 1 || k > d) throw new RangeError(`PCA: k must be an integer in [1, ${d}] (got ${k})`);
    const g = new Graph();
    const x = g.input('x', ['B', d]);
    const program = await Program.compile('pca.gram', { gram: op.gemm(x, x, undefined, { transA: true }), sum: op.reduceSum(x, [0]) }, runtime);
    const gram = new Float64Array(d * d);
    const mean = new Float64Array(d);
    try {
      for (let s = 0; s < data.n; s += batchSize) {
        const count = Math.min(batchSize, data.n - s);
        const out = await program.run({ x: program.tensor(data.x.subarray(s * d, (s + count) * d), [count, d]) });
        const gb = out['gram']!.data as Float32Array;
        const sb = out['sum']!.data as Float32Array;
        for (let i = 0; i < gram.length; i++) gram[i]! += gb[i]!;
        for (let i = 0; i < d; i++) mean[i]! += sb[i]!;
      }
    } finally {
      await program.release();
    }
    for (let i = 0; i < d; i++) mean[i]! /= data.n;
    const cov = new Float64Array(d * d);
    let trace = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) cov[i * d + j] = gram[i * d + j]! / data.n - mean[i]! * mean[j]!;
      trace += cov[i * d + i]!;
    }
    const { values, vectors } = topEigen(cov, d, k);
    return new Pca(mean, vectors, Float64Array.from(values, (v) => Math.max(0, v)), trace, k, d);
  }

  /** Fraction of the total variance the k components explain. */
  get explainedVarianceRatio(): number {
    return this.variances.reduce((a, b) => a + b, 0) / this.totalVariance;
  }

  /** Codes W(x − μ) of n rows, n × k. */
  project(x: Float32Array, n: number): Float32Array {
    const { dim: d, k } = this;
    const out = new Float32Array(n * k);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += (x[r * d + i]! - this.mean[i]!) * this.components[c * d + i]!;
        out[r * k + c] = s;
      }
    }
    return out;
  }

  /** Reconstructions μ + Wᵀ code of n codes (n × k) → n × D. */
  reconstructFromCodes(codes: Float32Array, n: number): Float32Array {
    const { dim: d, k } = this;
    const out = new Float32Array(n * d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        let s = this.mean[i]!;
        for (let c = 0; c < k; c++) s += codes[r * k + c]! * this.components[c * d + i]!;
        out[r * d + i] = s;
      }
    }
    return out;
  }

  /** Per-pixel mean squared reconstruction error over `data` (the scale of every AE's `mse`). */
  reconstructionMse(data: Dataset): number {
    const d = this.dim;
    let sum = 0;
    const chunk = 1000;
    for (let s = 0; s < data.n; s += chunk) {
      const count = Math.min(chunk, data.n - s);
      const x = data.x.subarray(s * d, (s + count) * d);
      const r = this.reconstructFromCodes(this.project(x, count), count);
      for (let i = 0; i < r.length; i++) sum += (r[i]! - x[i]!) ** 2;
    }
    return sum / (data.n * d);
  }
}
