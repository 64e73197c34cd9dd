import { describe, expect, it } from 'vitest';
import { Graph, type Value } from '../graph/graph.js';
import { Rng } from '../nn/rng.js';
import { Program, Tensor } from '../runtime/program.js';
import { conditionalAffinities, jointAffinities } from './tsne-affinities.js';
import { extractBlock, pBlocks, tsneGradient, tsneStep } from './tsne-graph.js';

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

/** Compiles the gradient graph and one optimiser step for n points in blocks of `blockRows`. */
async function compileGradient(n: number, blockRows: number): Promise<Program> {
  const g = new Graph();
  const p = new Map<string, Value>(pBlocks(n, blockRows).map((b) => [b.name, g.input(b.name, [b.rows[1] - b.rows[0], b.cols[1] - b.cols[0]])]));
  const y = g.input('y', [n, 2]);
  const alpha = g.input('alpha', []);
  const { grad, z } = tsneGradient(y, blockRows, p, alpha);
  const next = tsneStep({ y, update: g.input('update', [n, 2]), gains: g.input('gains', [n, 2]) }, grad, 0.5, 10);
  return Program.compile('tsne.grad.test', { grad, z, y_next: next.y, update_next: next.update, gains_next: next.gains }, { threads: 1 });
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

  it('one iteration: the graph gradient equals a float64 JS gradient to 1e-5, across P blocks; the step follows the gains rule', async () => {
    const n = 40;
    const x = blobs(n, 6, 3, 2);
    const p = jointAffinities(conditionalAffinities(x, n, 6, 10).p, n);
    const rng = new Rng(3);
    const y = rng.fillNormal(new Float32Array(n * 2), 0, 3);
    const update = rng.fillNormal(new Float32Array(n * 2), 0, 0.1);
    const gains = rng.fillUniform(new Float32Array(n * 2), 0.005, 2);
    // Blocks of 16 rows: 3 row blocks (16, 16, 8), diagonal and off-diagonal P blocks.
    for (const blockRows of [16, n]) {
      const program = await compileGradient(n, blockRows);
      const feeds: Record<string, Tensor> = {
        y: new Tensor('float32', y, [n, 2]),
        update: new Tensor('float32', update, [n, 2]),
        gains: new Tensor('float32', gains, [n, 2]),
      };
      for (const b of pBlocks(n, blockRows)) feeds[b.name] = new Tensor('float32', extractBlock(p, n, b), [b.rows[1] - b.rows[0], b.cols[1] - b.cols[0]]);
      for (const alpha of [1, 12]) {
        const out = await program.run({ ...feeds, alpha: new Tensor('float32', Float32Array.of(alpha), []) });
        const got = out['grad']!.data as Float32Array;
        const want = referenceGradient(p, y, n, alpha);
        const err = maxAbs(Array.from(got, (v, i) => v - want[i]!));
        expect(err / maxAbs(want)).toBeLessThan(1e-5);
        // sklearn's update: gains +0.2 where update·grad < 0 else ×0.8 (min 0.01); update = 0.5 u − 10 gains·grad; y += update, re-centred.
        const yNext = out['y_next']!.data as Float32Array;
        const moved = new Float64Array(n * 2);
        for (let i = 0; i < n * 2; i++) {
          const gi = update[i]! * want[i]! < 0 ? gains[i]! + 0.2 : Math.max(gains[i]! * 0.8, 0.01);
          expect((out['gains_next']!.data as Float32Array)[i]).toBeCloseTo(gi, 6);
          moved[i] = y[i]! + 0.5 * update[i]! - 10 * gi * want[i]!;
        }
        for (let c = 0; c < 2; c++) {
          let mean = 0;
          for (let i = 0; i < n; i++) mean += moved[2 * i + c]! / n;
          for (let i = 0; i < n; i++) expect(Math.abs(yNext[2 * i + c]! - (moved[2 * i + c]! - mean))).toBeLessThan(1e-4 * maxAbs(moved));
        }
      }
      await program.release();
    }
  });
});
