import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import { vaeConfigSchema } from '../models/vae/config.js';
import { Vae } from '../models/vae/model.js';
import { Rng } from '../nn/rng.js';
import { cutBlocks, type RowReader, type StreamingData } from './stream.js';
import { type EpochResult, Trainer, type TrainerOptions, type TrainerProgress } from './trainer.js';
import { nodeBackend } from '../runtime/node.js';

const D = 12;
const N = 16 * 21 + 5; // 21 full batches of 16 (two chains of 8, then 5 single steps) and a partial batch
const x = new Rng('mid').fillUniform(new Float32Array(N * D));
const memory: Dataset = { name: 'mem', n: N, sampleShape: [D], x };

/** A streamed view of the same rows: float32 bytes read asynchronously (as a file would be). */
function streamed(): StreamingData {
  const bytes = new Uint8Array(x.buffer.slice(0));
  const reader: RowReader = {
    name: 'fake',
    sampleShape: [D],
    rowBytes: D * 4,
    labelled: false,
    read: async (r, out) => {
      await new Promise((res) => setTimeout(res, 0));
      out.set(bytes.subarray(r.start * D * 4, (r.start + r.count) * D * 4));
    },
    decode: (b, out) => {
      out.set(new Float32Array(b.buffer, b.byteOffset, D));
      return -1;
    },
    invalid: () => new Error('never'),
  };
  return { kind: 'stream', name: 'fake', n: N, sampleShape: [D], reader, blocks: cutBlocks([{ start: 0, count: N }], 20), blockRows: 20, windowBlocks: 3 };
}

const model = new Vae(vaeConfigSchema.parse({ inputShape: [D], hidden: [8], latent: 2, klWarmup: 2 }));
const options: TrainerOptions = { batchSize: 16, seed: 9, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr: 1e-2 }, stepsPerRun: 8 };
type Snap = { state: Record<string, Float32Array>; progress: TrainerProgress };

async function run(data: Dataset | StreamingData, from?: Snap, every?: number): Promise<{ results: EpochResult[]; state: Record<string, Float32Array>; saved: Snap[] }> {
  const t = await Trainer.create(model, options);
  const saved: Snap[] = [];
  try {
    if (from) {
      for (const [name, v] of Object.entries(from.state)) t.state.set(name, v);
      t.restoreProgress(JSON.parse(JSON.stringify(from.progress)) as TrainerProgress);
    }
    const results: EpochResult[] = [];
    const save = (progress: TrainerProgress): void => {
      saved.push({ state: Object.fromEntries(Object.entries(t.state.snapshot()).map(([k, v]) => [k, Float32Array.from(v.data)])), progress });
    };
    while (t.progress.epoch < 2) results.push(await t.trainEpoch(data, 2, undefined, every ? { every, save } : undefined));
    return { results, state: Object.fromEntries(Object.entries(t.state.snapshot()).map(([k, v]) => [k, Float32Array.from(v.data)])), saved };
  } finally {
    await t.release();
  }
}

const bits = (s: Record<string, Float32Array>): Record<string, string> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')]));

describe('mid-epoch checkpoints', () => {
  for (const [what, data] of [
    ['in-memory', () => memory],
    ['streamed', streamed],
  ] as const) {
    it(`${what}: every saved position resumes to the uninterrupted run, bit for bit (state and epoch terms)`, async () => {
      const straight = await run(data());
      const withSaves = await run(data(), undefined, 5);
      // Saves do not change the run.
      expect(bits(withSaves.state)).toEqual(bits(straight.state));
      // Saved after the step group crossing a multiple of 5 global steps: chains of 8 end at 8 and 16, then single
      // steps; never after an epoch's last step (22 steps per epoch, global steps 22-44 in epoch 2).
      expect(withSaves.saved.map((s) => [s.progress.epoch, s.progress.inEpoch!.step, s.progress.step])).toEqual([
        [0, 8, 8],
        [0, 16, 16],
        [0, 20, 20],
        [1, 8, 30],
        [1, 16, 38],
        [1, 18, 40],
      ]);
      if (what === 'streamed') {
        const pos = withSaves.saved[0]!.progress.inEpoch!.stream!;
        expect(pos).toMatchObject({ blockRows: 20, windowBlocks: 3 });
        expect(pos.window * 60 + pos.offset, 'row 128 of the epoch, in windows of 60 rows (41 for the one with the last block)').toBeGreaterThanOrEqual(128 - 19);
      }
      for (const snap of withSaves.saved) {
        const resumed = await run(data(), snap);
        expect(bits(resumed.state), `resumed at epoch ${snap.progress.epoch + 1}, step ${snap.progress.inEpoch!.step}`).toEqual(bits(straight.state));
        expect(resumed.results.at(-1)!.train).toEqual(straight.results.at(-1)!.train);
        if (snap.progress.epoch === 0) expect(resumed.results[0]!.train).toEqual(straight.results[0]!.train);
      }
    }, 120_000);
  }

  it('a position saved over other data is refused in one line', async () => {
    const withSaves = await run(memory, undefined, 8);
    const snap = withSaves.saved[0]!;
    await expect(run({ ...memory, n: N - 16, x: x.subarray(0, (N - 16) * D) }, snap)).rejects.toThrow(/stopped inside an epoch over 341 training rows, but mem now gives 325/);
    await expect(run(streamed(), snap)).rejects.toThrow(/over data in memory, which the data now given does not reproduce/);
  }, 60_000);
});
