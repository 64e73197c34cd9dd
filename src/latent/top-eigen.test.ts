/**
 * Top-k eigenpairs by the Lanczos process agree with ml-matrix's full decomposition on a
 * covariance matrix with a realistic (slowly decaying) spectrum.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../nn/rng.js';
import { topEigen, topEigenFull } from './top-eigen.js';

/** C = XᵀX/n for n rows of d features with per-feature scales decaying like 1/(1 + j/8). */
function covariance(n: number, d: number, seed: string): Float64Array {
  const rng = new Rng(seed);
  const x = rng.fillNormal(new Float32Array(n * d));
  // Mix the features so the eigenvectors are not the coordinate axes.
  const mix = rng.fillNormal(new Float32Array(d * d));
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    row.fill(0);
    for (let j = 0; j < d; j++) {
      const v = x[r * d + j]! / (1 + j / 8);
      for (let i = 0; i < d; i++) row[i]! += v * mix[j * d + i]!;
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j]! += (row[i]! * row[j]!) / n;
  }
  return c;
}

describe('topEigen', () => {
  it('Lanczos finds the same top-10 eigenvalues and eigenvectors as the full decomposition', () => {
    const d = 240;
    const c = covariance(600, d, 'eig');
    const full = topEigenFull(c, d, 10);
    const fast = topEigen(c, d, 10);
    for (let r = 0; r < 10; r++) {
      expect(Math.abs(fast.values[r]! - full.values[r]!) / full.values[r]!).toBeLessThan(1e-10);
      let dot = 0;
      for (let i = 0; i < d; i++) dot += fast.vectors[r * d + i]! * full.vectors[r * d + i]!;
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6);
    }
    for (let r = 1; r < 10; r++) expect(fast.values[r]!).toBeLessThanOrEqual(fast.values[r - 1]!);
  });

  it('a large share of the spectrum uses the full decomposition; k outside [1, d] is refused', () => {
    const d = 90;
    const c = covariance(200, d, 'share');
    expect([...topEigen(c, d, 40).values]).toEqual([...topEigenFull(c, d, 40).values]);
    expect(() => topEigen(c, d, 0)).toThrow(/k must be in \[1, 90\]/);
  });
});
