/**
 * The training-memory estimate (memory-estimate.ts) against compiled trainers: the parameter
 * and optimizer-state counts it reads from the symbolic graph are exactly the float32 values a
 * Trainer allocates for them, for one- and multi-phase models and for Adam and SGD; the
 * activation term grows linearly in the batch and with the layer widths.
 */
import { describe, expect, it } from 'vitest';
import { getFamily } from '../models/registry.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { estimateTrainingMemory, PARAM_COPIES } from './memory-estimate.js';
import { Trainer } from './trainer.js';
import { nodeBackend } from '../runtime/node.js';

const model = (config: Record<string, unknown>) => {
  const family = getFamily(String(config['family']));
  return family.create(family.schema.parse(config));
};
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const adam: OptimizerConfig = { kind: 'adam', lr: 1e-3 };
const sgd: OptimizerConfig = { kind: 'sgd', lr: 1e-2, momentum: 0.9 };

describe('estimateTrainingMemory', () => {
  const configs: [string, Record<string, unknown>, OptimizerConfig][] = [
    ['vae 784-64-8, adam', { family: 'vae', inputShape: [784], hidden: [64], latent: 8 }, adam],
    ['ae 30-16-12-5, sgd with momentum', { family: 'ae', inputShape: [30], hidden: [16, 12], latent: 5 }, sgd],
    ['cvae with 10 classes', { family: 'cvae', inputShape: [50], hidden: [20], latent: 4, numClasses: 10 }, adam],
    ['aae: three phases over two parameter groups', { family: 'aae', inputShape: [40], hidden: [16], latent: 3, discHidden: [8] }, adam],
  ];
  it.each(configs)('%s: parameters and optimizer state equal what a compiled Trainer allocates', async (_name, config, optimizer) => {
    const m = model(config);
    const est = estimateTrainingMemory(m, optimizer, 32);
    const trainer = await Trainer.create(m, { batchSize: 32, seed: 0, backend: nodeBackend, threads: 1, optimizer, stepsPerRun: 1 });
    try {
      const params = trainer.compiled.params.reduce((a, p) => a + numel(p.shape), 0);
      const state = trainer.compiled.stateSpecs.reduce((a, s) => a + numel(s.shape), 0);
      expect(est.params).toBe(params);
      expect(est.optimizerState).toBe(state - params);
      expect(est.stateBytes).toBe(4 * state);
      expect(est.trainingBytes).toBe(4 * PARAM_COPIES * params + est.activationBytes);
    } finally {
      await trainer.release();
    }
  }, 30_000);

  it('a dense VAE at --latent 100000 --hidden 512 (which grew past 10 GB in issue 10): 155 M parameters, 11.6 GB estimated', () => {
    const est = estimateTrainingMemory(model({ family: 'vae', inputShape: [784], hidden: [512], latent: 100_000 }), adam, 128);
    // Encoder 784·512+512, μ and log σ² heads 2·(512·10⁵+10⁵), decoder 10⁵·512+512, output 512·784+784.
    expect(est.params).toBe(784 * 512 + 512 + 2 * (512 * 100_000 + 100_000) + 100_000 * 512 + 512 + 512 * 784 + 784);
    expect(est.optimizerState).toBe(2 * est.params + 1);
    // 64 B per parameter (9.9 GB) plus the activations of batch 128 (1.7 GB: μ, log σ², z, noise and the KL terms are 10⁵ wide).
    expect((4 * PARAM_COPIES * est.params) / 1e9).toBeCloseTo(9.9, 1);
    expect(est.activationBytes / 1e9).toBeCloseTo(1.7, 1);
  });

  it('activations: linear in the batch size, and they grow with the layer widths', () => {
    const small = model({ family: 'ae', inputShape: [20], hidden: [10], latent: 2 });
    const wide = model({ family: 'ae', inputShape: [20], hidden: [1000], latent: 2 });
    const a = estimateTrainingMemory(small, adam, 10);
    const b = estimateTrainingMemory(small, adam, 40);
    expect(b.activationBytes).toBe(4 * a.activationBytes);
    expect(a.activationsPerSample).toBeGreaterThanOrEqual(20 + 10 + 2 + 10 + 20);
    expect(estimateTrainingMemory(wide, adam, 10).activationsPerSample - a.activationsPerSample).toBeGreaterThanOrEqual(2 * (1000 - 10));
  });
});
