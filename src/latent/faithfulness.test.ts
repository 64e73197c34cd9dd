import { describe, expect, it } from 'vitest';
import { bundledMnistSubset } from '../data/mnist.js';
import { UsageError } from '../errors.js';
import { aeConfigSchema } from '../models/ae/config.js';
import { Ae } from '../models/ae/model.js';
import { cvaeConfigSchema } from '../models/cvae/config.js';
import { Cvae } from '../models/cvae/model.js';
import type { Rng } from '../nn/rng.js';
import { fit } from '../train/fit.js';
import { Codec } from './codec.js';
import { type ClassSampler, classFaithfulness, pixelReader, readsAs, shareReadAs } from './faithfulness.js';
import { nodeBackend } from '../runtime/node.js';

const runtime = { backend: nodeBackend, threads: 2 };
const { train, test } = bundledMnistSubset(3000, 500);

describe('class faithfulness', () => {
  it('a cvae with a 2-D code draws the class it is asked for; a sampler that shuffles the classes scores near chance', async () => {
    const reader = await pixelReader(train, { runtime });
    // The reader itself: 5-NN over 3,000 training digits reads real test digits well.
    expect(await reader.accuracy(test.x, test.n, test.labels!)).toBeGreaterThan(0.9);

    // A 2-D code cannot hold the class, so the decoder must read the label (measured: 0.974, seed 0).
    const model = new Cvae(cvaeConfigSchema.parse({ inputShape: [784], hidden: [128], latent: 2, numClasses: 10 }));
    const trainer = await fit(model, train, { epochs: 10, batchSize: 64, seed: 0, optimizer: { kind: "adam", lr: 3e-3 }, ...runtime });
    const codec = await Codec.compile(model, trainer.state, runtime);
    const f = await classFaithfulness(codec, reader, 10, { perClass: 50, seed: 1 });
    expect(f.perClass).toHaveLength(10);
    expect(f.mean).toBeCloseTo(f.perClass.reduce((a, b) => a + b) / 10, 12);
    expect(f.mean, `per class ${f.perClass.join(' ')}`).toBeGreaterThanOrEqual(0.6);

    // Broken: the sampler decodes a shuffled class for every requested one.
    const broken: ClassSampler = {
      model: codec.model,
      sample: (n: number, rng: Rng, labels?: Int32Array) => codec.sample(n, rng, labels && Int32Array.from(labels, (l, i) => (l + 1 + (i % 9)) % 10)),
    };
    const g = await classFaithfulness(broken, reader, 10, { perClass: 50, seed: 1 });
    expect(g.mean, `per class ${g.perClass.join(' ')}`).toBeLessThanOrEqual(0.25);

    // readsAs/shareReadAs: real digits of class 3 are read as 3, not as 8.
    const threes = [...test.labels!.keys()].filter((i) => test.labels![i] === 3);
    const x = new Float32Array(threes.length * 784);
    threes.forEach((r, i) => x.set(test.x.subarray(r * 784, (r + 1) * 784), i * 784));
    const read = await readsAs(reader, x, threes.length);
    expect(shareReadAs(read, 3)).toBeGreaterThan(0.85);
    expect(shareReadAs(read, 8)).toBeLessThan(0.1);
    await Promise.all([codec.release(), trainer.release(), reader.release()]);
  }, 60_000);

  it('refuses an unconditional model in one sentence', async () => {
    const model = new Ae(aeConfigSchema.parse({ inputShape: [784], hidden: [8], latent: 2 }));
    const sampler: ClassSampler = { model, sample: async () => new Float32Array(0) };
    const reader = await pixelReader(bundledMnistSubset(50, 1).train, { runtime });
    await expect(classFaithfulness(sampler, reader, 10)).rejects.toThrow(UsageError);
    await expect(classFaithfulness(sampler, reader, 10)).rejects.toThrow(/needs a conditional model \(cvae, or aae --conditional\); this ae model takes no class/);
    await reader.release();
  });
});
