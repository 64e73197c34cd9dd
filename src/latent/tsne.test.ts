import { describe, expect, it } from 'vitest';
import { Rng } from '../nn/rng.js';
import { gradientFromForces, gradientStep, TsneForceRunner } from './tsne.js';
import { conditionalAffinities, jointAffinities } from './tsne-affinities.js';
import { nodeBackend } from '../runtime/node.js';

/** n points in k-D: `clusters` Gaussian blobs (centres N(0, 4²)), unit spread. */
function blobs(n: number, k: number, clusters: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const centres = rng.fillNormal(new Float32Array(clusters * k), 0, 4);
  const x = rng.fillNormal(new Float32Array(n * k));
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) x[i * k + c]! += centres[(i % clusters) * k + c]!;
  return x;
}

/** Plain float64 t-SNE gradient: dC/dy_i = 4 Σ_j (α p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹. */
function referenceGradient(p: Float32Array, y: Float32Array, n: number, alpha: number): Float64Array {
  const w = new Float64Array(n * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = y[2 * i]! - y[2 * j]!;
      const dy = y[2 * i + 1]! - y[2 * j + 1]!;
      w[i * n + j] = 1 / (1 + dx * dx + dy * dy);
      z += w[i * n + j]!;
    }
  }
  const g = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const m = (alpha * p[i * n + j]! - w[i * n + j]! / z) * w[i * n + j]!;
      g[2 * i]! += 4 * m * (y[2 * i]! - y[2 * j]!);
      g[2 * i + 1]! += 4 * m * (y[2 * i + 1]! - y[2 * j + 1]!);
    }
  }
  return g;
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('t-SNE', () => {
  it('P rows reach the target perplexity: e^H(P_i) = 30 within 1e-3 relative; joint P is symmetric and sums to 1', () => {
    const n = 300;
    const k = 10;
    const x = blobs(n, k, 4, 1);
    const { p } = conditionalAffinities(x, n, k, 30);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let h = 0;
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const v = p[i * n + j]!;
        sum += v;
        if (v > 0) h -= v * Math.log(v);
      }
      expect(p[i * n + i]).toBe(0);
      expect(sum).toBeCloseTo(1, 5);
      worst = Math.max(worst, Math.abs(Math.exp(h) / 30 - 1));
    }
    expect(worst).toBeLessThan(1e-3);
    const joint = jointAffinities(p, n);
    let total = 0;
    let asymmetric = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        total += joint[i * n + j]!;
        if (joint[i * n + j] !== joint[j * n + i]) asymmetric++;
      }
    }
    expect(asymmetric).toBe(0);
    expect(total).toBeCloseTo(1, 5);
  });

  it('one iteration: the gradient from the ONNX programs equals a float64 JS gradient to 1e-5, for any P blocking and split', async () => {
    const n = 40;
    const x = blobs(n, 6, 3, 2);
    const p = jointAffinities(conditionalAffinities(x, n, 6, 10).p, n);
    const y = new Rng(3).fillNormal(new Float32Array(n * 2), 0, 3);
    // Blocks of 16 rows: 3 row blocks (16, 16, 8), diagonal and off-diagonal P blocks, over 1 or 2 programs.
    for (const [blockRows, parts] of [[16, 1], [16, 2], [n, 1]] as const) {
      const runner = await TsneForceRunner.compile(p, n, blockRows, parts, nodeBackend);
      const forces = await runner.forces(y);
      await runner.release();
      for (const alpha of [1, 12]) {
        const got = gradientFromForces(forces, y, alpha);
        const want = referenceGradient(p, y, n, alpha);
        const err = maxAbs(Array.from(got, (v, i) => v - want[i]!));
        expect(err / maxAbs(want)).toBeLessThan(1e-5);
      }
    }
  });

  it('the step follows the gains rule (+0.2 on a sign change, ×0.8 otherwise, min 0.01), momentum, and re-centres y', () => {
    const y = Float32Array.of(1, 2, 3, 4);
    const update = Float64Array.of(1, -1, 1, 0.5);
    const gains = Float64Array.of(1, 1, 0.01, 2);
    const grad = Float64Array.of(-1, -1, 1, 0.5);
    gradientStep({ y, update, gains }, grad, 0.5, 10);
    expect(Array.from(gains)).toEqual([1.2, 0.8, 0.01, 1.6]);
    const want = [0.5 - 10 * 1.2 * -1, -0.5 - 10 * 0.8 * -1, 0.5 - 10 * 0.01 * 1, 0.25 - 10 * 1.6 * 0.5];
    expect(Array.from(update)).toEqual(want);
    const moved = [1 + want[0]!, 2 + want[1]!, 3 + want[2]!, 4 + want[3]!];
    const mx = (moved[0]! + moved[2]!) / 2;
    const my = (moved[1]! + moved[3]!) / 2;
    Array.from(y).forEach((v, i) => expect(v).toBeCloseTo(moved[i]! - (i % 2 ? my : mx), 5));
  });
});
