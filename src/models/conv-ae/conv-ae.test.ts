import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../data/dataset.js';
import { loadBundledMnist } from '../../data/mnist.js';
import { subset } from '../../data/ops.js';
import { Codec } from '../../latent/codec.js';
import { Rng } from '../../nn/rng.js';
import { Trainer } from '../../train/trainer.js';
import { convAeConfigSchema } from './config.js';
import { ConvAe } from './model.js';
import { nodeBackend } from '../../runtime/node.js';

describe('conv-ae', () => {
  it('the contractive penalty equals ‖∂code/∂x‖_F² by central differences through the convs (6×6 images, code 3)', async () => {
    const model = new ConvAe(convAeConfigSchema.parse({ inputShape: [1, 6, 6], conv: [4, 4], dense: [5], latent: 3, activation: 'tanh', contractive: 1 }));
    const trainer = await Trainer.create(model, { batchSize: 1, seed: 4, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr: 1e-3 } });
    const x0 = new Rng(8).fillUniform(new Float32Array(36));
    const one: Dataset = { name: 'one', n: 1, sampleShape: [1, 6, 6], x: x0 };
    const penalty = (await trainer.evaluate(one))['contractive']!;
    // Codes of x0 ± h·e_i for every pixel i: column i of the Jacobian is (a(x0 + h e_i) − a(x0 − h e_i)) / 2h.
    const h = 1e-2;
    const rows = new Float32Array(72 * 36);
    for (let i = 0; i < 36; i++) {
      rows.set(x0, 2 * i * 36);
      rows.set(x0, (2 * i + 1) * 36);
      rows[2 * i * 36 + i]! += h;
      rows[(2 * i + 1) * 36 + i]! -= h;
    }
    const codec = await Codec.compile(model, trainer.state, { backend: nodeBackend, threads: 1 });
    const z = (await codec.encode(rows, 72))['z']!;
    let fd = 0;
    for (let i = 0; i < 36; i++) for (let j = 0; j < 3; j++) fd += ((z[2 * i * 3 + j]! - z[(2 * i + 1) * 3 + j]!) / (2 * h)) ** 2;
    expect(penalty).toBeGreaterThan(0);
    expect(Math.abs(penalty - fd) / fd).toBeLessThan(2e-2);
    await codec.release();
    await trainer.release();
  }, 60_000);

  it('denoising with a sparse code: trains on corrupted digits, restores inputs under gaussian noise (σ = 0.5) better than the noisy input itself, and shrinks the code’s L1 norm against λ = 0', async () => {
    const { train, test } = loadBundledMnist();
    const small = subset(train, 1200);
    const testSmall = subset(test, 200);
    const run = async (lambda: number) => {
      const model = new ConvAe(convAeConfigSchema.parse({ conv: [8, 16], dense: [], latent: 16, corruption: 'gaussian', noiseLevel: 0.5, penalty: 'l1', lambda }));
      expect(model.corrupted).toBeDefined();
      const trainer = await Trainer.create(model, { batchSize: 64, seed: 2, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr: 3e-3 } });
      for (let e = 0; e < 2; e++) await trainer.trainEpoch(small, 2);
      const terms = await trainer.evaluate(testSmall);
      const codec = await Codec.compile(model, trainer.state, { backend: nodeBackend, threads: 2 });
      const z = (await codec.encode(testSmall.x, testSmall.n))['z']!;
      await codec.release();
      await trainer.release();
      return { terms, l1: z.reduce((s, v) => s + Math.abs(v), 0) / testSmall.n };
    };
    const plain = await run(0);
    const sparse = await run(0.5);
    for (const r of [plain, sparse]) expect(r.terms['mse_corrupted']!).toBeLessThan(r.terms['mse_noisy_input']!);
    expect(sparse.terms['sparsity']!).toBeCloseTo(sparse.l1, 0);
    expect(sparse.l1).toBeLessThan(0.5 * plain.l1);
  }, 120_000);

  it('without corruption it has no corrupted() (no corrupted row in the run pictures)', () => {
    expect(new ConvAe(convAeConfigSchema.parse({})).corrupted).toBeUndefined();
  });

  it('refuses kl sparsity on a linear code and a masked fraction above 1', () => {
    expect(() => convAeConfigSchema.parse({ penalty: 'kl', lambda: 1 })).toThrow(/kl sparsity penalty needs a sigmoid code/);
    expect(() => convAeConfigSchema.parse({ corruption: 'masking', noiseLevel: 1.5 })).toThrow(/must be in \[0, 1\]/);
  });
});
