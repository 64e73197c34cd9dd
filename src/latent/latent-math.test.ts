/**
 * The arithmetic of the latent tools: code statistics, interpolation paths, manifold grids,
 * traversal ranking and attribute vectors, each checked against its formula.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../nn/rng.js';
import { applyAttribute, attributeVector, parseAlphaRange } from './attribute.js';
import { codeStats, gatherRows } from './code-stats.js';
import { interpolationPath } from './interpolate.js';
import { gaussianGridValues, manifoldGrid } from './manifold.js';
import { klPerDimension, rankLatentDimensions, traversalCodes } from './traverse.js';

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('latent arithmetic', () => {
  it('codeStats: mean, population std and range per dimension', () => {
    const s = codeStats(Float32Array.of(1, 10, 3, 20, 5, 60), 3, 2);
    expect([...s.mean]).toEqual([3, 30]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect([...s.min, ...s.max]).toEqual([1, 10, 5, 60]);
    expect([...gatherRows(Float32Array.of(1, 2, 3, 4, 5, 6), 2, [2, 0])]).toEqual([5, 6, 1, 2]);
  });

  it('linear paths hit both ends and the midpoint; slerp keeps the norm of equal-norm endpoints', () => {
    const a = Float32Array.of(3, 0, 0);
    const b = Float32Array.of(0, 3, 0);
    const lin = interpolationPath(a, b, 5, 'linear');
    expect([...lin.subarray(0, 3)]).toEqual([3, 0, 0]);
    expect([...lin.subarray(12, 15)]).toEqual([0, 3, 0]);
    expect([...lin.subarray(6, 9)]).toEqual([1.5, 1.5, 0]);
    expect(norm(lin.subarray(6, 9))).toBeCloseTo(3 / Math.SQRT2, 5); // the straight line dips toward the origin
    const sl = interpolationPath(a, b, 5, 'slerp');
    for (let s = 0; s < 5; s++) expect(norm(sl.subarray(s * 3, s * 3 + 3))).toBeCloseTo(3, 5);
    expect(sl[6]).toBeCloseTo(3 * Math.SQRT1_2, 5); // 45° at t = ½
    // Parallel endpoints: slerp is undefined, lerp is used.
    expect([...interpolationPath(Float32Array.of(1, 1), Float32Array.of(2, 2), 3, 'slerp')]).toEqual([1, 1, 1.5, 1.5, 2, 2]);
  });

  it('gaussian manifold grids sit at the standard-normal quantiles of equal-mass bins; others span the range', () => {
    const q = gaussianGridValues(4);
    // Φ⁻¹(0.125) = −1.150349, Φ⁻¹(0.375) = −0.318639 (tables), symmetric.
    expect(q[0]).toBeCloseTo(-1.150349, 5);
    expect(q[1]).toBeCloseTo(-0.318639, 5);
    expect(q[3]).toBeCloseTo(1.150349, 5);
    const stats = codeStats(Float32Array.of(0, -2, 7, 4, 2, 2, 9, 10, 4, 0, 8, 3), 4, 3);
    const grid = manifoldGrid(stats, [0, 2], 3, 'range');
    // Columns vary dim 0 over its range [0, 9]; rows vary dim 2 from its max 7 down to its min 2; dim 1 sits at its mean 4.5.
    expect([...grid.xValues]).toEqual([0, 4.5, 9]);
    expect([...grid.yValues]).toEqual([7, 4.5, 2]);
    expect([...grid.codes.subarray(0, 3)]).toEqual([0, 4.5, 7]);
    expect([...grid.codes.subarray(8 * 3, 9 * 3)]).toEqual([9, 4.5, 2]);
    expect(() => manifoldGrid(stats, [1, 1], 3, 'range')).toThrow(/must differ/);
    expect(() => manifoldGrid(stats, [0, 3], 3, 'range')).toThrow(/outside \[0, 2\]/);
  });

  it('traversal ranks dimensions by KL_d = mean ½(μ² + σ² − log σ² − 1), and varies one dimension per row', () => {
    const n = 400;
    const k = 3;
    const rng = new Rng('kl');
    const mu = new Float32Array(n * k);
    const logVar = new Float32Array(n * k);
    const e = rng.fillNormal(new Float32Array(n * k));
    for (let i = 0; i < n; i++) {
      mu[i * k] = 0.01 * e[i * k]!; // collapsed: μ ≈ 0, σ² = 1
      mu[i * k + 1] = 2 * e[i * k + 1]!; // most active
      mu[i * k + 2] = 0.7 * e[i * k + 2]!;
      logVar[i * k + 1] = Math.log(0.01);
      logVar[i * k + 2] = Math.log(0.25);
    }
    const kl = klPerDimension(mu, logVar, n, k);
    const brute = (d: number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) s += 0.5 * (mu[i * k + d]! ** 2 + Math.exp(logVar[i * k + d]!) - logVar[i * k + d]! - 1);
      return s / n;
    };
    for (let d = 0; d < k; d++) expect(kl[d]).toBeCloseTo(brute(d), 9);
    const stats = codeStats(mu, n, k);
    expect([...rankLatentDimensions(stats, { mu, logVar }).order]).toEqual([1, 2, 0]);
    expect(rankLatentDimensions(stats).by).toBe('variance');
    const t = traversalCodes(Float32Array.of(1, 2, 3), [2, 0], 2, 3, 'prior', stats);
    expect([...t.offsets]).toEqual([-2, 0, 2]);
    expect([...t.codes]).toEqual([1, 2, 1, 1, 2, 3, 1, 2, 5, -1, 2, 3, 1, 2, 3, 3, 2, 3]);
    const td = traversalCodes(Float32Array.of(0, 0, 0), [1], 1, 2, 'data', stats);
    expect(td.codes[1]).toBeCloseTo(-stats.std[1]!, 6);
  });

  it('attribute vectors are mean(with) − mean(without), added in steps of α', () => {
    const codes = Float32Array.of(1, 0, 3, 0, 0, 2, 0, 4);
    const v = attributeVector(codes, 4, 2, (i) => i < 2, (i) => i >= 2);
    expect([...v.vector]).toEqual([2, -3]);
    expect([v.withCount, v.withoutCount]).toEqual([2, 2]);
    expect([...applyAttribute(Float32Array.of(0, 0), 1, v.vector, [-1, 0, 0.5])]).toEqual([-2, 3, 0, 0, 1, -1.5]);
    expect(() => attributeVector(codes, 4, 2, () => false, () => true)).toThrow(/attribute group is empty/);
    expect([...parseAlphaRange('-2:2:5')]).toEqual([-2, -1, 0, 1, 2]);
    expect(() => parseAlphaRange('2:-2:5')).toThrow(/lo < hi/);
  });
});
