import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../data/dataset.js';
import { loadBundledMnist } from '../../data/mnist.js';
import { subset } from '../../data/ops.js';
import { UsageError } from '../../errors.js';
import { Codec } from '../../latent/codec.js';
import { iwaeNll } from '../../latent/likelihood.js';
import { Rng } from '../../nn/rng.js';
import { buildEvalGraph } from '../../train/programs.js';
import { Trainer } from '../../train/trainer.js';
import { convCvaeConfigSchema } from '../conv-cvae/config.js';
import { ConvCvae } from '../conv-cvae/model.js';
import { convVaeConfigSchema } from './config.js';
import { ConvVae } from './model.js';
import { nodeBackend } from '../../runtime/node.js';

const { train, test } = loadBundledMnist();

const paramShapes = (model: ConvVae): Record<string, readonly number[]> =>
  Object.fromEntries([...buildEvalGraph(model).params.values()].map((p) => [p.name, p.shape]));

describe('conv-vae layers', () => {
  it("the defaults on 28×28×1 are the Keras VAE example's conv layers: conv 32, 64 (3×3, stride 2) → code, decoded as Keras does: z → 7·7·64 → deconv 64, 32 → conv to 1 channel", () => {
    expect(paramShapes(new ConvVae(convVaeConfigSchema.parse({})))).toEqual({
      'enc.conv.0.W': [32, 1, 3, 3],
      'enc.conv.0.b': [32],
      'enc.conv.1.W': [64, 32, 3, 3],
      'enc.conv.1.b': [64],
      'enc.mu.W': [7 * 7 * 64, 20],
      'enc.mu.b': [20],
      'enc.logvar.W': [7 * 7 * 64, 20],
      'enc.logvar.b': [20],
      'dec.dense.0.W': [20, 7 * 7 * 64],
      'dec.dense.0.b': [7 * 7 * 64],
      'dec.conv.0.W': [64, 64, 3, 3],
      'dec.conv.0.b': [64],
      'dec.conv.1.W': [64, 32, 3, 3],
      'dec.conv.1.b': [32],
      'dec.conv.out.W': [1, 32, 3, 3],
      'dec.conv.out.b': [1],
    });
  });

  it('--dense 16 adds the Keras encoder\'s Dense 16 and its mirror: … → 7·7·64 → 16 → code → 16 → 7·7·64 → …', () => {
    const shapes = paramShapes(new ConvVae(convVaeConfigSchema.parse({ dense: [16] })));
    expect([shapes['enc.dense.0.W'], shapes['enc.mu.W'], shapes['dec.dense.0.W'], shapes['dec.dense.1.W']]).toEqual([[7 * 7 * 64, 16], [16, 20], [20, 16], [16, 7 * 7 * 64]]);
  });

  it('conv-cvae reads the label as K one-hot planes in the first conv and joined to z in the decoder', () => {
    const shapes = paramShapes(new ConvCvae(convCvaeConfigSchema.parse({ numClasses: 10 })));
    expect(shapes['enc.conv.0.W']).toEqual([32, 1 + 10, 3, 3]);
    expect(shapes['dec.dense.0.W']).toEqual([20 + 10, 7 * 7 * 64]);
  });

  it('RGB 3×20×24 images with --upsample bilinear decode to 3×20×24 (shapes from the data, not assumed square or gray)', async () => {
    const model = new ConvVae(convVaeConfigSchema.parse({ inputShape: [3, 20, 24], conv: [8, 16], dense: [], latent: 4, upsample: 'bilinear' }));
    const trainer = await Trainer.create(model, { batchSize: 4, seed: 1, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr: 1e-3 } });
    const codec = await Codec.compile(model, trainer.state, { backend: nodeBackend, threads: 1 });
    const x = new Rng(2).fillUniform(new Float32Array(5 * 3 * 20 * 24));
    const { mu } = await codec.encode(x, 5);
    expect(mu!.length).toBe(5 * 4);
    const xhat = await codec.reconstruct(x, 5);
    expect(xhat.length).toBe(5 * 3 * 20 * 24);
    expect(xhat.every((v) => v > 0 && v < 1)).toBe(true);
    await codec.release();
    await trainer.release();
  }, 60_000);

  it('bad geometries are one line naming the layer, the shapes and the fix', () => {
    const fails = (config: Record<string, unknown>): string => {
      try {
        new ConvVae(convVaeConfigSchema.parse(config));
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('expected a UsageError');
    };
    expect(fails({ inputShape: [784] })).toMatch(/^--model conv-vae needs image samples \[C, H, W\], but the data's samples have shape \[784\]; train it on images/);
    expect(fails({ kernel: 29 })).toBe('conv layer 1 of 2 (1→32 channels): kernel 29×29 is larger than its 28×28 input (image 1×28×28, channels 32,64); use a kernel of at most 28');
    expect(fails({ conv: [8, 8, 8, 8, 8, 8] })).toMatch(/^conv layer 5 of 6 \(8→8 channels\): kernel 3×3 is larger than its 2×2 input .*; use at most 4 layers/);
    expect(fails({ inputShape: [1, 8, 8], conv: [4], stride: 9, kernel: 3 })).toMatch(/^conv layer 1 of 1 \(1→4 channels\): stride 9 is larger than its 8×8 input/);
  });
});

/** Trains on the first `n` bundled digits with Adam. */
async function trained(model: ConvVae, data: Dataset, epochs: number): Promise<Trainer> {
  const trainer = await Trainer.create(model, { batchSize: 64, seed: 3, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr: 2e-3 } });
  for (let e = 0; e < epochs; e++) await trainer.trainEpoch(data, epochs);
  return trainer;
}

describe('conv-vae training', () => {
  it('lowers the negative ELBO from its start, and the IWAE bound (K = 10) lies below the ELBO within 30 nats', async () => {
    const model = new ConvVae(convVaeConfigSchema.parse({ latent: 8, conv: [16, 32], dense: [32] }));
    const small = subset(train, 1500);
    const testSmall = subset(test, 200);
    const before = await Trainer.create(model, { batchSize: 64, seed: 3, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr: 2e-3 } });
    const start = (await before.evaluate(testSmall))['loss']!;
    await before.release();
    const trainer = await trained(model, small, 2);
    const terms = await trainer.evaluate(testSmall);
    expect(terms['loss']!).toBeLessThan(start - 250);
    expect(terms['elbo']!).toBeCloseTo(-terms['loss']!, 3);
    const nll = await iwaeNll(model, trainer.state, testSmall, 10, new Rng(1), { backend: nodeBackend, threads: 2 });
    expect(nll).toBeLessThan(terms['loss']!);
    expect(nll).toBeGreaterThan(terms['loss']! - 30);
    await trainer.release();
  }, 120_000);
});
