import { describe, expect, it } from 'vitest';
import { DataError } from '../data/errors.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { project2d, type ProjectionMethod } from './projection.js';
import { nodeBackend } from '../runtime/node.js';

const K = 10;
const CLUSTERS = 5;

/**
 * 5 Gaussian blobs in 10-D (unit spread), `perCluster` points each: centres 12 apart on a circle in a
 * random plane, so they are well separated in 10-D and linearly separable in their top-2 PCs.
 */
function blobs(perCluster: number, seed: number): { x: Float32Array; labels: Int32Array; n: number } {
  const rng = new Rng(seed);
  const u = rng.fillNormal(new Float32Array(K));
  const v = rng.fillNormal(new Float32Array(K));
  const norm = (a: Float32Array): void => {
    const s = Math.hypot(...a);
    a.forEach((t, i) => (a[i] = t / s));
  };
  norm(u);
  const dot = u.reduce((s, t, i) => s + t * v[i]!, 0);
  v.forEach((t, i) => (v[i] = t - dot * u[i]!));
  norm(v);
  const n = perCluster * CLUSTERS;
  const x = rng.fillNormal(new Float32Array(n * K));
  const labels = new Int32Array(n);
  const radius = 12 / (2 * Math.sin(Math.PI / CLUSTERS)); // neighbouring centres 12 apart
  for (let i = 0; i < n; i++) {
    const c = i % CLUSTERS;
    labels[i] = c;
    const a = (2 * Math.PI * c) / CLUSTERS;
    for (let d = 0; d < K; d++) x[i * K + d]! += radius * (Math.cos(a) * u[d]! + Math.sin(a) * v[d]!);
  }
  return { x, labels, n };
}

/** Leave-one-out 5-NN accuracy of `labels` on 2-D points (majority vote, ties to the nearest). */
function knnAccuracy(xy: Float32Array, labels: Int32Array): number {
  const n = labels.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const d: Array<[number, number]> = [];
    for (let j = 0; j < n; j++) if (j !== i) d.push([(xy[2 * i]! - xy[2 * j]!) ** 2 + (xy[2 * i + 1]! - xy[2 * j + 1]!) ** 2, labels[j]!]);
    d.sort((a, b) => a[0] - b[0]);
    const votes = new Map<number, number>();
    for (const [, l] of d.slice(0, 5)) votes.set(l, (votes.get(l) ?? 0) + 1);
    const best = Math.max(...votes.values());
    const winner = d.slice(0, 5).find(([, l]) => votes.get(l) === best)![1];
    if (winner === labels[i]) correct++;
  }
  return correct / n;
}

const runtime = { backend: nodeBackend, threads: 1 };

describe('project2d', () => {
  const data = blobs(80, 7);
  // umap-js runs 500 layout epochs in JS below 2,500 points: ~2–5 s for these 400.
  const slow = 30_000;

  for (const method of ['pca', 'umap', 'tsne'] as const) {
    it(`${method}: 5 separated blobs in 10-D stay separated in 2-D (leave-one-out 5-NN ≥ 95%)`, async () => {
      const p = await project2d(data.x, data.n, K, { method, runtime });
      expect(p.method).toBe(method);
      expect(p.xy.length).toBe(data.n * 2);
      expect(p.xy.every(Number.isFinite)).toBe(true);
      expect(knnAccuracy(p.xy, data.labels)).toBeGreaterThanOrEqual(0.95);
    }, slow);
  }

  it('random labels are not recovered (the 5-NN check can fail)', async () => {
    const p = await project2d(data.x, data.n, K, { method: 'pca', runtime });
    const shuffled = new Rng(1).permutation(data.n).map((i) => data.labels[i]!);
    expect(knnAccuracy(p.xy, shuffled)).toBeLessThan(0.5);
  });

  for (const method of ['umap', 'tsne'] as const) {
    it(`${method}: same seed → identical xy, another seed → different xy`, async () => {
      const opts = { method, maxPoints: 80, runtime };
      const a = await project2d(data.x, data.n, K, { ...opts, seed: 3 });
      const b = await project2d(data.x, data.n, K, { ...opts, seed: 3 });
      const c = await project2d(data.x, data.n, K, { ...opts, seed: 4 });
      expect(b.xy).toEqual(a.xy);
      expect(b.indices).toEqual(a.indices);
      expect(c.xy).not.toEqual(a.xy);
    }, slow);
  }

  it('maxPoints: a seeded subsample of distinct ascending rows, and xy row r is the code of input row indices[r]', async () => {
    const n = 1000;
    const codes = new Rng(2).fillNormal(new Float32Array(n * 2));
    const p = await project2d(codes, n, 2, { runtime, maxPoints: 100, seed: 5 });
    expect(p.method).toBe('identity');
    expect(p.indices.length).toBe(100);
    expect(p.xy.length).toBe(200);
    for (let r = 0; r < 100; r++) {
      if (r > 0) expect(p.indices[r]!).toBeGreaterThan(p.indices[r - 1]!);
      expect(p.indices[r]!).toBeLessThan(n);
      expect([p.xy[2 * r], p.xy[2 * r + 1]]).toEqual([codes[2 * p.indices[r]!], codes[2 * p.indices[r]! + 1]]);
    }
    const again = await project2d(codes, n, 2, { runtime, maxPoints: 100, seed: 5 });
    expect(again.indices).toEqual(p.indices);
    const other = await project2d(codes, n, 2, { runtime, maxPoints: 100, seed: 6 });
    expect(other.indices).not.toEqual(p.indices);
    // Under the cap nothing is dropped.
    const all = await project2d(codes, n, 2, { runtime, maxPoints: n });
    expect(all.indices).toEqual(Int32Array.from({ length: n }, (_, i) => i));
  });

  it('auto: k = 2 draws the codes as they are, k = 1 as (z, 0), k > 2 uses UMAP', async () => {
    const two = new Float32Array([1, 2, 3, 4, 5, 6]);
    const p2 = await project2d(two, 3, 2, { runtime });
    expect(p2.method).toBe('identity');
    expect(Array.from(p2.xy)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(p2.xy).not.toBe(two);
    const p1 = await project2d(new Float32Array([7, 8, 9]), 3, 1, { runtime });
    expect(p1.method).toBe('identity');
    expect(Array.from(p1.xy)).toEqual([7, 0, 8, 0, 9, 0]);
    const p10 = await project2d(data.x, data.n, K, { runtime, maxPoints: 40 });
    expect(p10.method).toBe('umap');
    expect(p10.xy.length).toBe(80);
  }, slow);

  it('tiny inputs (n = 1, 2, 3) and identical codes (a collapsed model) give finite maps for every method', async () => {
    for (const method of ['pca', 'umap', 'tsne'] as const) {
      for (const n of [1, 2, 3]) {
        const p = await project2d(new Rng(n).fillNormal(new Float32Array(n * 4)), n, 4, { method, runtime });
        expect(p.xy.length).toBe(2 * n);
        expect(p.xy.every(Number.isFinite)).toBe(true);
      }
      const same = await project2d(new Float32Array(30 * 4).fill(0.5), 30, 4, { method, runtime });
      expect(same.xy.every(Number.isFinite)).toBe(true);
    }
  }, slow);

  it('bad input is a one-line user error: unknown method, wrong sizes, non-finite codes', async () => {
    const oneLine = async (f: Promise<unknown>, cls: typeof UsageError | typeof DataError, text: string): Promise<void> => {
      const err = await f.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toContain(text);
      expect((err as Error).message).not.toContain('\n');
    };
    const codes = new Float32Array(12);
    await oneLine(project2d(codes, 4, 3, { runtime, method: 'foo' as ProjectionMethod }), UsageError, '--method must be one of auto, pca, umap, tsne (got foo)');
    await oneLine(project2d(codes, 5, 3, { runtime }), UsageError, 'codes hold 12 values, expected n × k = 5 × 3 = 15');
    await oneLine(project2d(codes, 0, 3, { runtime }), UsageError, 'n must be a positive integer');
    await oneLine(project2d(codes, 4, 3, { runtime, maxPoints: 0 }), UsageError, '--max-points must be a positive integer (got 0)');
    const bad = new Float32Array(12);
    bad[7] = NaN;
    await oneLine(project2d(bad, 4, 3, { runtime, method: 'pca' }), DataError, 'code row 2, dimension 1 is NaN');
  });
});
