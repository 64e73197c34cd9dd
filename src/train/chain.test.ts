import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { vaeConfigSchema } from '../models/vae/config.js';
import { Vae } from '../models/vae/model.js';
import { Rng } from '../nn/rng.js';
import { Trainer } from './trainer.js';
import { nodeBackend } from '../runtime/node.js';

describe('chained steps', () => {
  it('K steps chained in one program give the same parameters, optimizer state and terms as K single steps', async () => {
    const model = new Vae(vaeConfigSchema.parse({ inputShape: [20], hidden: [12], latent: 3, klWarmup: 1 }));
    const n = 16 * 9 + 5; // 9 full batches (two chains of 4 and one single) and a partial batch
    const data: Dataset = { name: 'chain', n, sampleShape: [20], x: new Rng('chain').fillUniform(new Float32Array(n * 20)) };
    const run = async (stepsPerRun: number) => {
      const t = await Trainer.create(model, { batchSize: 16, seed: 5, backend: nodeBackend, threads: 1, stepsPerRun, optimizer: { kind: 'adam', lr: 1e-2 } });
      const epochs = [await t.trainEpoch(data, 2), await t.trainEpoch(data, 2)];
      const state = t.state.snapshot();
      await t.release();
      return { epochs, state, progress: t.progress };
    };
    const single = await run(1);
    const chained = await run(4);
    expect(chained.progress).toEqual(single.progress);
    expect(chained.epochs.map((e) => e.train)).toEqual(single.epochs.map((e) => e.train));
    for (const [name, { data: want }] of Object.entries(single.state)) {
      const got = chained.state[name]!.data;
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
      expect(maxDiff, name).toBeLessThan(1e-6);
    }
  }, 60_000);
});
