import { describe, expect, it } from 'vitest';
import { DataError } from '../data/errors.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { GaussianMixture } from './gmm.js';

const TRUE = {
  weights: [0.5, 0.3, 0.2],
  means: [
    [0, 0, 0],
    [6, 5, -4],
    [-6, 4, 3],
  ],
  stds: [
    [1, 0.5, 2],
    [0.7, 1.5, 1],
    [1.2, 1, 0.4],
  ],
};

/** n draws of the known mixture, with each draw's true component and each component's sample mean. */
function draw(n: number, seed: number) {
  const rng = new Rng(seed);
  const d = 3;
  const x = new Float32Array(n * d);
  const comp = new Int32Array(n);
  const sums = TRUE.means.map(() => [0, 0, 0]);
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    const k = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
    comp[i] = k;
    counts[k]!++;
    const e = rng.fillNormal(new Float32Array(d));
    for (let j = 0; j < d; j++) {
      x[i * d + j] = TRUE.means[k]![j]! + TRUE.stds[k]![j]! * e[j]!;
      sums[k]![j]! += x[i * d + j]!;
    }
  }
  return { x, n, d, comp, counts, sampleMeans: sums.map((s, k) => s.map((v) => v / counts[k]!)) };
}

/** The fitted component that matches true component k (nearest mean). */
function match(g: GaussianMixture, mean: readonly number[]): number {
  let best = 0;
  let bd = Number.POSITIVE_INFINITY;
  for (let k = 0; k < g.components; k++) {
    const dist = mean.reduce((s, v, j) => s + (v - g.means[k * 3 + j]!) ** 2, 0);
    if (dist < bd) {
      bd = dist;
      best = k;
    }
  }
  return best;
}

describe('gaussian mixture (diagonal, EM)', () => {
  it('recovers a known 3-component mixture: means, variances and weights', () => {
    const data = draw(6000, 1);
    const g = GaussianMixture.fit(data.x, data.n, data.d, { components: 3, seed: 0 });
    const matched = TRUE.means.map((m) => match(g, m));
    expect(new Set(matched).size).toBe(3);
    TRUE.means.forEach((_, k) => {
      const f = matched[k]!;
      for (let j = 0; j < 3; j++) {
        // Well-separated components: EM's means are the per-component sample means almost exactly.
        expect(Math.abs(g.means[f * 3 + j]! - data.sampleMeans[k]![j]!)).toBeLessThan(0.01);
        expect(Math.abs(g.means[f * 3 + j]! - TRUE.means[k]![j]!)).toBeLessThan(0.1);
        expect(Math.sqrt(g.variances[f * 3 + j]!) / TRUE.stds[k]![j]!).toBeGreaterThan(0.95);
        expect(Math.sqrt(g.variances[f * 3 + j]!) / TRUE.stds[k]![j]!).toBeLessThan(1.05);
      }
      expect(Math.abs(g.weights[f]! - data.counts[k]! / data.n)).toBeLessThan(0.005);
    });
    // Most-responsible components agree with the true ones.
    const a = g.assign(data.x, data.n);
    const agree = a.filter((c, i) => c === matched[data.comp[i]!]).length / data.n;
    expect(agree).toBeGreaterThan(0.995);
  });

  it('the log-likelihood never decreases over EM iterations, and EM improves on its initialisation', () => {
    // Overlapping components with too many mixture components: EM needs many iterations.
    const rng = new Rng(2);
    const n = 2000;
    const x = rng.fillNormal(new Float32Array(n * 2));
    for (let i = 0; i < n; i++) if (i % 3 === 0) x[i * 2]! += 1.5;
    const g = GaussianMixture.fit(x, n, 2, { components: 5, seed: 3, kmeansIter: 0, maxIter: 300 });
    const h = g.history;
    expect(h.length).toBeGreaterThan(20);
    for (let i = 1; i < h.length; i++) expect(h[i]!).toBeGreaterThanOrEqual(h[i - 1]! - 1e-12);
    expect(h[h.length - 1]! - h[0]!).toBeGreaterThan(0.01);
    expect(g.logLikelihood(x, n)).toBeCloseTo(h[h.length - 1]!, 10);
  });

  it('samples have the fitted moments; temperature scales the spread; temperature 0 gives the means', () => {
    const data = draw(3000, 4);
    const g = GaussianMixture.fit(data.x, data.n, data.d, { components: 3, seed: 1 });
    const m = 40000;
    for (const t of [1, 0.5]) {
      const s = g.sample(m, new Rng(9), t);
      for (let j = 0; j < 3; j++) {
        let mean = 0;
        let second = 0;
        for (let k = 0; k < 3; k++) {
          const mu = g.means[k * 3 + j]!;
          mean += g.weights[k]! * mu;
          second += g.weights[k]! * (t * t * g.variances[k * 3 + j]! + mu * mu);
        }
        const variance = second - mean * mean;
        let sm = 0;
        for (let i = 0; i < m; i++) sm += s[i * 3 + j]!;
        sm /= m;
        let sv = 0;
        for (let i = 0; i < m; i++) sv += (s[i * 3 + j]! - sm) ** 2;
        sv /= m;
        expect(Math.abs(sm - mean)).toBeLessThan(4 * Math.sqrt(variance / m));
        expect(sv / variance).toBeGreaterThan(0.97);
        expect(sv / variance).toBeLessThan(1.03);
      }
    }
    const cold = g.sample(100, new Rng(1), 0);
    for (let i = 0; i < 100; i++) {
      const k = match(g, [cold[i * 3]!, cold[i * 3 + 1]!, cold[i * 3 + 2]!]);
      for (let j = 0; j < 3; j++) expect(cold[i * 3 + j]).toBe(Math.fround(g.means[k * 3 + j]!));
    }
    expect(() => g.sample(1, new Rng(1), -1)).toThrow(UsageError);
  });

  it('the same seed gives the same fit; JSON round-trips exactly; bad JSON names its source', () => {
    const data = draw(1500, 5);
    const a = GaussianMixture.fit(data.x, data.n, data.d, { components: 4, seed: 7 });
    const b = GaussianMixture.fit(data.x, data.n, data.d, { components: 4, seed: 7 });
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(b.history).toEqual(a.history);
    const back = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(a)), 'gmm.json');
    expect(back.toJSON()).toEqual(a.toJSON());
    expect(back.logLikelihood(data.x, data.n)).toBe(a.logLikelihood(data.x, data.n));
    expect([...back.sample(50, new Rng(3))]).toEqual([...a.sample(50, new Rng(3))]);
    const json = a.toJSON();
    expect(() => GaussianMixture.fromJSON({ ...json, variances: json.variances.map((r) => r.map(() => -1)) }, 'runs/x/gmm.json')).toThrow(DataError);
    expect(() => GaussianMixture.fromJSON({ ...json, variances: json.variances.map((r) => r.map(() => -1)) }, 'runs/x/gmm.json')).toThrow(/^runs\/x\/gmm\.json: variances\.0\.0 must be > 0$/);
    expect(() => GaussianMixture.fromJSON({ ...json, weights: json.weights.map(() => 0.5) }, 'g.json')).toThrow(/g\.json: weights sum to 2, not 1/);
    expect(() => GaussianMixture.fromJSON({ ...json, means: json.means.slice(1) }, 'g.json')).toThrow(/4 weights but 3 means/);
  });

  it('refuses fewer codes than components', () => {
    expect(() => GaussianMixture.fit(new Float32Array(6), 3, 2, { components: 10 })).toThrow(/a 10-component mixture needs at least 10 codes \(got 3\)/);
  });
});
