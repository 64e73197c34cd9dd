/**
 * Training settings of a fresh library run are validated against their schema before any work:
 * a bad value is one line naming it, nothing is written; `Trainer.create` refuses a learning
 * rate ≤ 0 by name (not as a shape error from the optimizer graph). `Trainer.release` releases
 * every program, the chained-steps one included.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../errors.js';
import { aeConfigSchema } from '../models/ae/config.js';
import { Ae } from '../models/ae/model.js';
import { Trainer } from '../train/trainer.js';
import { trainRun } from './train-run.js';
import { nodeBackend } from '../runtime/node.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-train-settings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = aeConfigSchema.parse({ inputShape: [4], hidden: [3], latent: 2 });

describe('training settings', () => {
  it('trainRun refuses lr ≤ 0, a fractional epoch count and a zero batch size in one line, writing nothing', async () => {
    const run = (train: Record<string, number>, out: string) => trainRun({ report: false, model: { family: 'ae', hidden: [8], latent: 2 }, train, data: { spec: 'mnist', limit: 100 }, out: join(tmp, out), threads: 1 });
    await expect(run({ lr: 0, epochs: 1 }, 'a')).rejects.toThrow(new UsageError('train.lr: must be positive (got 0)'));
    await expect(run({ lr: -0.01, epochs: 1 }, 'b')).rejects.toThrow(new UsageError('train.lr: must be positive (got -0.01)'));
    await expect(run({ epochs: 1.5 }, 'c')).rejects.toThrow(/^train\.epochs: /);
    await expect(run({ epochs: 1, batchSize: 0 }, 'd')).rejects.toThrow(/^train\.batchSize: /);
    for (const d of ['a', 'b', 'c', 'd']) expect(existsSync(join(tmp, d))).toBe(false);
  });

  it('Trainer.create refuses a learning rate ≤ 0 by name', async () => {
    for (const lr of [0, -1, Number.NaN]) {
      await expect(Trainer.create(new Ae(tiny), { batchSize: 2, seed: 0, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr } })).rejects.toThrow(new RangeError(`learning rate lr must be a positive number (got ${lr})`));
    }
  });

  it('Trainer.release releases the chained-steps program too', async () => {
    const trainer = await Trainer.create(new Ae(tiny), { batchSize: 2, seed: 0, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr: 1e-3 }, stepsPerRun: 4 });
    const programs = [trainer.compiled.chain!.program, trainer.compiled.eval, ...trainer.compiled.phases.map((p) => p.program)];
    const spies = programs.map((p) => vi.spyOn(p, 'release'));
    await trainer.release();
    for (const s of spies) expect(s).toHaveBeenCalledOnce();
  });
});
