import { describe, expect, it } from 'vitest';
import { bundledMnistSubset } from '../data/mnist.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { KnnClassifier } from './knn.js';
import { nodeBackend } from '../runtime/node.js';

/** Float64 brute force: neighbours sorted by (distance, index); vote by (−count, first position). */
function bruteForce(ref: Float32Array, labels: Int32Array, q: Float32Array, d: number, k: number) {
  const n = labels.length;
  const m = q.length / d;
  const indices: number[] = [];
  const distances: number[] = [];
  const pred: number[] = [];
  for (let r = 0; r < m; r++) {
    const all = Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let i = 0; i < d; i++) s += (q[r * d + i]! - ref[j * d + i]!) ** 2;
      return { j, s };
    }).sort((a, b) => a.s - b.s || a.j - b.j);
    const top = all.slice(0, k);
    indices.push(...top.map((t) => t.j));
    distances.push(...top.map((t) => t.s));
    const stats = new Map<number, { count: number; first: number }>();
    top.forEach((t, pos) => {
      const l = labels[t.j]!;
      const st = stats.get(l) ?? { count: 0, first: pos };
      st.count++;
      stats.set(l, st);
    });
    pred.push([...stats.entries()].sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first)[0]![0]);
  }
  return { indices, distances, pred };
}

const ints = (rng: Rng, len: number, levels: number): Float32Array => Float32Array.from({ length: len }, () => rng.int(levels));

describe('knn', () => {
  it('agrees exactly with a float64 brute force, including equal distances and split votes, across query blocks', async () => {
    const rng = new Rng(3);
    const n = 300;
    const d = 3;
    // 27 distinct points: many exact distance ties; k = 4 gives many 2–2 votes.
    const ref = ints(rng, n * d, 3);
    const labels = Int32Array.from({ length: n }, () => rng.int(4));
    const m = 200;
    const q = ints(rng, m * d, 3);
    for (const k of [1, 4, 5]) {
      // 1000 entries per block → 3 queries per Gemm call, with a short last block.
      const knn = await KnnClassifier.fit(ref, n, d, labels, 4, { k, runtime: { backend: nodeBackend, threads: 1 }, maxBlockEntries: 1000 });
      const want = bruteForce(ref, labels, q, d, k);
      const got = await knn.neighbors(q, m);
      expect([...got.indices]).toEqual(want.indices);
      expect([...got.distances]).toEqual(want.distances);
      expect([...(await knn.predict(q, m))]).toEqual(want.pred);
      await knn.release();
    }
  });

  it('agrees with the brute force on continuous data, and accuracy is the share of correct predictions', async () => {
    const rng = new Rng(4);
    const n = 500;
    const d = 7;
    const ref = rng.fillNormal(new Float32Array(n * d));
    const labels = Int32Array.from({ length: n }, (_, i) => (ref[i * d]! > 0 ? 1 : 0) + (ref[i * d + 1]! > 0 ? 2 : 0));
    const m = 150;
    const q = rng.fillNormal(new Float32Array(m * d));
    const knn = await KnnClassifier.fit(ref, n, d, labels, 4, { runtime: { backend: nodeBackend, threads: 1 } });
    const want = bruteForce(ref, labels, q, d, 5);
    const got = await knn.neighbors(q, m);
    expect([...got.indices]).toEqual(want.indices);
    got.distances.forEach((v, i) => expect(Math.abs(v - want.distances[i]!)).toBeLessThan(1e-4 * (1 + want.distances[i]!)));
    const truth = Int32Array.from({ length: m }, (_, i) => (q[i * d]! > 0 ? 1 : 0) + (q[i * d + 1]! > 0 ? 2 : 0));
    const share = want.pred.filter((p, i) => p === truth[i]).length / m;
    expect(await knn.accuracy(q, m, truth)).toBe(share);
    expect(share).toBeGreaterThan(0.6);
    await knn.release();
  });

  it('maxTrain keeps a seeded subset: neighbours come from it, and the same seed gives the same subset', async () => {
    const rng = new Rng(5);
    const n = 400;
    const d = 4;
    const ref = rng.fillNormal(new Float32Array(n * d));
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const q = rng.fillNormal(new Float32Array(50 * d));
    const fit = (seed: number) => KnnClassifier.fit(ref, n, d, labels, 3, { maxTrain: 60, seed, k: 3, runtime: { backend: nodeBackend, threads: 1 } });
    const [a, b, c] = await Promise.all([fit(1), fit(1), fit(2)]);
    expect(a.n).toBe(60);
    const na = await a.neighbors(q, 50);
    expect([...(await b.neighbors(q, 50)).indices]).toEqual([...na.indices]);
    expect([...(await c.neighbors(q, 50)).indices]).not.toEqual([...na.indices]);
    // Brute force over the kept rows only reproduces a's neighbours.
    const kept = [...new Set(na.indices)];
    expect(kept.length).toBeLessThanOrEqual(60);
    const full = await KnnClassifier.fit(ref, n, d, labels, 3, { k: 3, runtime: { backend: nodeBackend, threads: 1 } });
    expect([...(await full.neighbors(q, 50)).indices]).not.toEqual([...na.indices]);
    await Promise.all([a, b, c, full].map((x) => x.release()));
  });

  it('raw-pixel 5-NN reads the bundled digits with ≥ 90% accuracy', async () => {
    const { train, test } = bundledMnistSubset(5000, 500);
    const knn = await KnnClassifier.fit(train.x, train.n, 784, train.labels!, 10, { runtime: { backend: nodeBackend, threads: 2 } });
    const acc = await knn.accuracy(test.x, test.n, test.labels!);
    expect(acc).toBeGreaterThanOrEqual(0.9);
    await knn.release();
  });

  it('rejects k beyond the reference rows and non-finite features, naming them', async () => {
    const x = Float32Array.of(0, 1, 2, 3);
    const y = Int32Array.of(0, 1);
    await expect(KnnClassifier.fit(x, 2, 2, y, 2, { k: 3, runtime: { backend: nodeBackend } })).rejects.toThrow(UsageError);
    await expect(KnnClassifier.fit(x, 2, 2, y, 2, { k: 3, runtime: { backend: nodeBackend } })).rejects.toThrow(/k must be an integer in \[1, 2\].*got 3/);
    await expect(KnnClassifier.fit(Float32Array.of(0, 1, Number.NaN, 3), 2, 2, y, 2, { k: 1, runtime: { backend: nodeBackend } })).rejects.toThrow(/reference row 1, feature 0 is NaN/);
    await expect(KnnClassifier.fit(x, 2, 2, Int32Array.of(0, 2), 2, { k: 1, runtime: { backend: nodeBackend } })).rejects.toThrow(/label 2 of row 1/);
  });
});
