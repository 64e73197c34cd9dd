import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../data/mnist.js';
import { subset } from '../data/ops.js';
import { aeConfigSchema } from '../models/ae/config.js';
import { Ae } from '../models/ae/model.js';
import { Rng } from '../nn/rng.js';
import { Trainer } from '../train/trainer.js';
import { Pca } from './pca.js';
import { nodeBackend } from '../runtime/node.js';

describe('pca', () => {
  it('recovers a planted 2-D subspace: 2 components explain almost all variance and reconstruct exactly', async () => {
    const rng = new Rng(5);
    const d = 12;
    const n = 400;
    const basis = rng.fillNormal(new Float32Array(2 * d));
    const x = new Float32Array(n * d);
    for (let r = 0; r < n; r++) {
      const a = rng.fillNormal(new Float32Array(2), 0, 3);
      for (let i = 0; i < d; i++) x[r * d + i] = 1 + a[0]! * basis[i]! + a[1]! * basis[d + i]! + 0.01 * rng.fillNormal(new Float32Array(1))[0]!;
    }
    const ds = { name: 'planted', n, sampleShape: [d], x };
    const pca = await Pca.fit(ds, 2, { backend: nodeBackend, threads: 1 });
    expect(pca.explainedVarianceRatio).toBeGreaterThan(0.999);
    expect(pca.reconstructionMse(ds)).toBeLessThan(1e-3);
    const one = await Pca.fit(ds, 1, { backend: nodeBackend, threads: 1 });
    expect(one.reconstructionMse(ds)).toBeGreaterThan(pca.reconstructionMse(ds) * 10);
    // Components are orthonormal.
    let dot = 0;
    let norm = 0;
    for (let i = 0; i < d; i++) {
      dot += pca.components[i]! * pca.components[d + i]!;
      norm += pca.components[i]! ** 2;
    }
    expect(Math.abs(dot)).toBeLessThan(1e-6);
    expect(norm).toBeCloseTo(1, 6);
  });

  it('a nonlinear AE beats PCA at k = 2 on the bundled digits, and a shallow linear AE approaches PCA', async () => {
    const { train, test } = loadBundledMnist();
    const tr = subset(train, 4000);
    const te = subset(test, 500);
    const flat = (ds: typeof tr) => ({ ...ds, sampleShape: [784] });
    const pca = await Pca.fit(flat(tr), 2, { backend: nodeBackend, threads: 2 });
    const pcaMse = pca.reconstructionMse(flat(te));
    const fit = async (config: Record<string, unknown>, epochs: number, lr: number) => {
      const model = new Ae(aeConfigSchema.parse({ inputShape: [784], latent: 2, ...config }));
      const trainer = await Trainer.create(model, { batchSize: 64, seed: 1, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr } });
      for (let e = 0; e < epochs; e++) await trainer.trainEpoch(tr, epochs);
      const mse = (await trainer.evaluate(te))['mse']!;
      await trainer.release();
      return mse;
    };
    const deep = await fit({ hidden: [256, 64], loss: 'bce' }, 12, 2e-3);
    const linear = await fit({ hidden: [], codeActivation: 'linear', outputActivation: 'linear', loss: 'mse' }, 12, 5e-3);
    expect(deep).toBeLessThan(pcaMse);
    // Eckart–Young: no linear AE beats PCA; a trained one gets close to it.
    expect(linear).toBeGreaterThan(pcaMse * 0.98);
    expect(linear).toBeLessThan(pcaMse * 1.25);
  }, 180_000);
});
