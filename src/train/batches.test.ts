import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { vaeConfigSchema } from '../models/vae/config.js';
import { Vae } from '../models/vae/model.js';
import { Rng } from '../nn/rng.js';
import { BatchFeeder } from './batches.js';
import { Trainer } from './trainer.js';
import { nodeBackend } from '../runtime/node.js';

const grey = (n: number, d: number, v: number): Dataset => ({ name: 'grey', n, sampleShape: [d], x: new Float32Array(n * d).fill(v) });

describe('BatchFeeder dynamic binarisation', () => {
  it('draws x̃ ~ Bernoulli(x): binary values whose mean is x, fresh per batch, repeatable per seed', () => {
    const ds = grey(100, 100, 0.3);
    const feeder = new BatchFeeder(ds, [100], 0, [], '', { backend: nodeBackend, dynamicBinarize: true });
    const rng = new Rng('b');
    const a = Float32Array.from(feeder.fill(null, 0, 100, rng)['x']!.data as Float32Array);
    expect(a.every((v) => v === 0 || v === 1)).toBe(true);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean - 0.3)).toBeLessThan(0.02); // 10,000 draws: sd of the mean ≈ 0.0046
    const b = Float32Array.from(feeder.fill(null, 0, 100, rng)['x']!.data as Float32Array);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(false);
    const again = Float32Array.from(new BatchFeeder(ds, [100], 0, [], '', { backend: nodeBackend, dynamicBinarize: true }).fill(null, 0, 100, new Rng('b'))['x']!.data as Float32Array);
    expect(Buffer.from(again.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    // 0 and 1 stay as they are.
    const ends = new BatchFeeder({ ...ds, x: Float32Array.from({ length: 100 * 100 }, (_, i) => i % 2) }, [100], 0, [], '', { backend: nodeBackend, dynamicBinarize: true });
    const e = ends.fill(null, 0, 100, rng)['x']!.data as Float32Array;
    expect(Array.from(e.subarray(0, 6))).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('without the option, x is fed as it is', () => {
    const x = new Float32Array(new Float32Array(20).map((_, i) => i / 20));
    const feeder = new BatchFeeder({ name: 'g', n: 4, sampleShape: [5], x }, [5], 0, [], '', { backend: nodeBackend });
    expect(Array.from(feeder.fill(null, 0, 4, new Rng(1))['x']!.data as Float32Array)).toEqual(Array.from(x));
  });

  it('a run with dynamic binarisation resumes bit for bit from its progress (chained steps too)', async () => {
    const model = new Vae(vaeConfigSchema.parse({ inputShape: [20], hidden: [8], latent: 2 }));
    const n = 16 * 9 + 5;
    const data: Dataset = { name: 'u', n, sampleShape: [20], x: new Rng('u').fillUniform(new Float32Array(n * 20)) };
    const opts = { batchSize: 16, seed: 3, backend: nodeBackend, threads: 1, stepsPerRun: 4, dynamicBinarize: true, optimizer: { kind: 'adam' as const, lr: 1e-2 } };
    const straight = await Trainer.create(model, opts);
    await straight.trainEpoch(data, 2);
    const mid = { state: straight.state.snapshot(), progress: straight.progress };
    const second = await straight.trainEpoch(data, 2);
    const want = straight.state.snapshot();
    await straight.release();

    const resumed = await Trainer.create(model, opts);
    for (const [name, t] of Object.entries(mid.state)) resumed.state.set(name, t.data as Float32Array);
    resumed.restoreProgress(mid.progress);
    const again = await resumed.trainEpoch(data, 2);
    const got = resumed.state.snapshot();
    await resumed.release();
    expect(again.train).toEqual(second.train);
    for (const [name, t] of Object.entries(want)) expect(Buffer.from((got[name]!.data as Float32Array).buffer).equals(Buffer.from((t.data as Float32Array).buffer)), name).toBe(true);

    const plain = await Trainer.create(model, { ...opts, dynamicBinarize: false });
    const plainEpoch = await plain.trainEpoch(data, 2);
    await plain.release();
    const binEpoch = await (async () => {
      const t = await Trainer.create(model, opts);
      const r = await t.trainEpoch(data, 2);
      await t.release();
      return r;
    })();
    expect(binEpoch.train['loss']).not.toBe(plainEpoch.train['loss']); // the option does change what is trained on
  }, 60_000);
});
