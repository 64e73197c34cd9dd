import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../../data/mnist.js';
import { subset } from '../../data/ops.js';
import { Codec } from '../../latent/codec.js';
import { Rng } from '../../nn/rng.js';
import { buildEvalGraph, buildStepGraph } from '../../train/programs.js';
import { Trainer } from '../../train/trainer.js';
import type { AutoencoderModel } from '../types.js';
import { convVaeConfigSchema } from '../conv-vae/config.js';
import { ConvVae } from '../conv-vae/model.js';
import { vaeganConfigSchema } from './config.js';
import { Vaegan } from './model.js';
import { meanLaplacianVariance, sharpnessGap } from './sharpness.js';
import { nodeBackend } from '../../runtime/node.js';

describe('vaegan phases', () => {
  it('the encoder, decoder and discriminator are separate parameter groups, each trained by its own phase only', () => {
    const model = new Vaegan(vaeganConfigSchema.parse({ inputShape: [1, 12, 12], conv: [4, 8], dense: [8], latent: 3 }));
    const groups = new Map<string, string>();
    for (const p of buildEvalGraph(model).params.values()) groups.set(p.name, p.group);
    const byGroup = (g: string): string[] => [...groups].filter(([, grp]) => grp === g).map(([n]) => n);
    expect(byGroup('enc').every((n) => n.startsWith('enc.'))).toBe(true);
    expect(byGroup('dec').every((n) => n.startsWith('dec.'))).toBe(true);
    expect(byGroup('disc')).toEqual(['disc.conv.0.W', 'disc.conv.0.b', 'disc.conv.1.W', 'disc.conv.1.b', 'disc.out.W', 'disc.out.b']);
    expect(byGroup('enc').length + byGroup('dec').length + byGroup('disc').length).toBe(groups.size);
    for (const phase of model.phases) {
      const step = buildStepGraph(model, { kind: 'adam', lr: 1e-3 }, phase);
      const updated = step.updates.filter((n) => groups.has(n));
      expect(new Set(updated), phase.name).toEqual(new Set(byGroup(phase.name)));
    }
  });
});

/**
 * The criterion (./sharpness.ts): prior samples' mean Laplacian variance, as a distance to the
 * real test digits' on a log scale. Same layers, data, epochs, batch and seed for both models.
 */
describe('vaegan samples against the plain conv VAE', () => {
  it('are closer to the sharpness of real digits: |log(S̄_samples / S̄_real)| is smaller, and by at least 1', async () => {
    const { train, test } = loadBundledMnist();
    const data = subset(train, 1000);
    const arch = { latent: 8, conv: [16, 32], dense: [32] };
    const real = meanLaplacianVariance(test.x, test.n, [1, 28, 28]);
    const gapOf = async (model: AutoencoderModel): Promise<number> => {
      const trainer = await Trainer.create(model, { batchSize: 64, seed: 3, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr: 2e-3 } });
      for (let e = 0; e < 2; e++) await trainer.trainEpoch(data, 2);
      const codec = await Codec.compile(model, trainer.state, { backend: nodeBackend, threads: 2 });
      const samples = await codec.decode(await codec.samplePrior(300, new Rng(5)), 300);
      await codec.release();
      await trainer.release();
      return sharpnessGap(meanLaplacianVariance(samples, 300, [1, 28, 28]), real);
    };
    const vae = await gapOf(new ConvVae(convVaeConfigSchema.parse(arch)));
    const gan = await gapOf(new Vaegan(vaeganConfigSchema.parse(arch)));
    expect(gan).toBeLessThan(vae - 1);
  }, 180_000);
});

describe('sharpness', () => {
  it('the Laplacian variance of a 5×5 checkerboard is 16 − (4/9)² (L = ±4 in the interior) and 0 for a flat image', () => {
    const board = Float32Array.from({ length: 25 }, (_, p) => ((Math.floor(p / 5) + (p % 5)) % 2 === 0 ? 1 : 0));
    // L = 4 neighbours − 4·centre: +4 at 0-pixels, −4 at 1-pixels, mean 0 over the 3×3 interior (5 ones, 4 zeros): Var = 16 − mean².
    const lap = [-4, 4, -4, 4, -4, 4, -4, 4, -4];
    const mean = lap.reduce((a, b) => a + b, 0) / 9;
    expect(meanLaplacianVariance(board, 1, [1, 5, 5])).toBeCloseTo(lap.reduce((a, b) => a + b * b, 0) / 9 - mean * mean, 5);
    expect(meanLaplacianVariance(new Float32Array(25).fill(0.3), 1, [1, 5, 5])).toBeCloseTo(0, 6);
    expect(sharpnessGap(2, 2)).toBe(0);
    expect(sharpnessGap(1, Math.E)).toBeCloseTo(1, 9);
  });
});
