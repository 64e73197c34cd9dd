import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { bundledMnistSubset } from '../data/mnist.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { Pca } from './pca.js';
import { applyStandardize, fitStandardize } from '../data/transforms.js';
import { linearProbe, probeAll, probeFeatures, shuffledLabels } from './probe.js';
import { nodeBackend } from '../runtime/node.js';

const runtime = { backend: nodeBackend, threads: 2 };
const { train, test } = bundledMnistSubset(3000, 500);
const pixels = (ds: Dataset, labels = ds.labels!) => ({ x: ds.x, n: ds.n, d: 784, labels });

describe('probe', () => {
  it('standardises with the train statistics: zero mean, unit variance, constant features stay finite', () => {
    const x = Float32Array.of(1, 5, 3, 5, 5, 5);
    const ds: Dataset = { name: 'features', n: 3, sampleShape: [2], x };
    const stats = fitStandardize(ds);
    expect([...stats.mean]).toEqual([3, 5]);
    expect(stats.std[0]).toBe(Math.fround(Math.sqrt(8 / 3)));
    expect(stats.std[1]).toBe(1);
    const z = applyStandardize(ds, stats).x;
    expect(z[0]! + z[2]! + z[4]!).toBeCloseTo(0, 6);
    expect(z[0]! ** 2 + z[2]! ** 2 + z[4]! ** 2).toBeCloseTo(3, 5);
    expect([z[1], z[3], z[5]]).toEqual([0, 0, 0]);
  });

  it('the linear probe (logistic regression by our engine) reads digit pixels with ≥ 85%, and falls to chance on shuffled labels', async () => {
    const acc = await linearProbe(pixels(train), pixels(test), 10, { linear: { epochs: 5 }, runtime });
    expect(acc).toBeGreaterThanOrEqual(0.85);
    const shuffled = await linearProbe(pixels(train, shuffledLabels(train.labels!, 1)), pixels(test), 10, { linear: { epochs: 5 }, runtime });
    expect(shuffled).toBeLessThan(0.2);
  }, 30_000);

  it('is linear: separates blobs on opposite sides of a hyperplane but not XOR-placed classes; k-NN reads both', async () => {
    const rng = new Rng(7);
    const make = (n: number, xor: boolean) => {
      const x = rng.fillNormal(new Float32Array(n * 2), 0, 0.4);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const a = rng.int(2);
        const b = rng.int(2);
        labels[i] = xor ? a ^ b : a;
        x[i * 2]! += a ? 2 : -2;
        x[i * 2 + 1]! += b ? 2 : -2;
      }
      return { x, n, d: 2, labels };
    };
    const blobs = await probeFeatures(make(800, false), make(400, false), 2, { runtime });
    const xor = await probeFeatures(make(800, true), make(400, true), 2, { runtime });
    expect(blobs.linear).toBeGreaterThan(0.97);
    expect(blobs.knn).toBeGreaterThan(0.97);
    expect(xor.knn).toBeGreaterThan(0.97);
    expect(xor.linear).toBeLessThan(0.75);
    // Standardisation with the train statistics makes the probe blind to each feature's unit and offset.
    const tr = make(800, false);
    const te = make(400, false);
    const rescale = (f: typeof tr) => ({ ...f, x: f.x.map((v, i) => (i % 2 ? v * 1e-3 : v * 1e3 + 1e4)) });
    const plain = await linearProbe(tr, te, 2, { runtime });
    expect(Math.abs((await linearProbe(rescale(tr), rescale(te), 2, { runtime })) - plain)).toBeLessThanOrEqual(0.005);
  }, 30_000);

  it('probeAll: codes that are PCA codes score exactly as PCA; pixels beat 2-D PCA; unlabelled data is refused', async () => {
    // 4×4 average-pooled digits (7×7 = 49 pixels) keep the 784-D eigendecomposition out of the test.
    const pool = (ds: Dataset, n: number): Dataset => {
      const x = new Float32Array(n * 49);
      for (let r = 0; r < n; r++) for (let p = 0; p < 784; p++) x[r * 49 + Math.floor(p / 112) * 7 + Math.floor((p % 28) / 4)]! += ds.x[r * 784 + p]! / 16;
      return { ...ds, n, sampleShape: [7, 7], x, labels: ds.labels!.subarray(0, n) };
    };
    const small = { train: pool(train, 3000), test: pool(test, 300) };
    const pca = await Pca.fit(small.train, 2, runtime);
    const encode = async (ds: Dataset) => pca.project(ds.x, ds.n);
    const report = await probeAll(small, encode, { runtime, pixelKnnMaxTrain: 2000 });
    expect(report.k).toBe(2);
    expect(report.codes).toEqual(report.pca);
    expect(report.pixels.knn).toBeGreaterThan(report.pca.knn + 0.3);
    expect(report.pixels.linear).toBeGreaterThan(report.pca.linear + 0.3);
    expect(report.pca.knn).toBeGreaterThan(0.3);
    const { labels: _l, ...unlabelled } = small.train;
    await expect(probeAll({ train: unlabelled, test: small.test }, encode, { runtime: { backend: nodeBackend } })).rejects.toThrow(UsageError);
    await expect(probeAll({ train: unlabelled, test: small.test }, encode, { runtime: { backend: nodeBackend } })).rejects.toThrow(/probe needs labelled data, but .* has no labels/);
  }, 30_000);
});
