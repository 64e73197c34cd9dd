/**
 * The Train tab's latent map: a 2-D latent is drawn as it is, a 1-D one on the x axis, and a wider
 * one on its first two principal components, xy = W (z − μ).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/nn/rng.js';
import { mapOf } from './latent-map.js';

describe('latent map', () => {
  it('2-D codes are their own map; 1-D codes lie on the x axis', () => {
    const codes = Float32Array.of(1, 2, -3, 4);
    expect(mapOf(codes, 2, 2)).toMatchObject({ method: 'identity', plane: null });
    expect(Array.from(mapOf(codes, 2, 2).xy)).toEqual([1, 2, -3, 4]);
    expect(Array.from(mapOf(codes, 4, 1).xy)).toEqual([1, 0, 2, 0, -3, 0, 4, 0]);
  });

  it('3-D codes: the map is xy = W (z − μ) with W the top two eigenvectors of their covariance (here ≈ ±e2, ±e0)', () => {
    const rng = new Rng('map');
    const n = 500;
    const noise = rng.fillNormal(new Float32Array(3 * n));
    const codes = new Float32Array(3 * n);
    // spread along z2 (σ 3) and z0 (σ 1), hardly along z1 (σ 0.01)
    for (let i = 0; i < n; i++) [codes[3 * i], codes[3 * i + 1], codes[3 * i + 2]] = [noise[3 * i]! + 5, 0.01 * noise[3 * i + 1]!, 3 * noise[3 * i + 2]! - 2];
    const { xy, method, plane } = mapOf(codes, n, 3);
    expect(method).toBe('pca');
    const mean = [0, 1, 2].map((d) => Array.from({ length: n }, (_, i) => codes[3 * i + d]!).reduce((a, b) => a + b, 0) / n);
    plane!.mean.forEach((m, d) => expect(m).toBeCloseTo(mean[d]!, 5));
    const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => Array.from({ length: n }, (_, i) => (codes[3 * i + a]! - mean[a]!) * (codes[3 * i + b]! - mean[b]!)).reduce((x, y) => x + y, 0) / n));
    const [w0, w1] = plane!.components as [number[], number[]];
    const dot = (u: number[], v: number[]): number => u.reduce((a, x, j) => a + x * v[j]!, 0);
    const cw = (w: number[]): number[] => cov.map((row) => dot(row, w));
    // unit, orthogonal eigenvectors (C w = λ w), the larger eigenvalue first, both far above the third (~1e-4)
    for (const w of [w0, w1]) {
      expect(dot(w, w)).toBeCloseTo(1, 10);
      const lambda = dot(w, cw(w));
      cw(w).forEach((v, j) => expect(Math.abs(v - lambda * w[j]!)).toBeLessThan(1e-9 * lambda));
    }
    expect(Math.abs(dot(w0, w1))).toBeLessThan(1e-10);
    expect(dot(w0, cw(w0))).toBeGreaterThan(8);
    expect(dot(w1, cw(w1))).toBeGreaterThan(0.8);
    expect(Math.abs(w0[2]!)).toBeGreaterThan(0.99);
    expect(Math.abs(w1[0]!)).toBeGreaterThan(0.99);
    for (let i = 0; i < n; i++) {
      const c = [0, 1, 2].map((d) => codes[3 * i + d]! - mean[d]!);
      expect(xy[2 * i]!).toBeCloseTo(dot(w0, c), 4);
      expect(xy[2 * i + 1]!).toBeCloseTo(dot(w1, c), 4);
    }
  });
});
