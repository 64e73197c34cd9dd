/**
 * Checkpoint integrity (issue 10, defect 3): the checksum covers metadata and data, a file
 * without one is refused, the metadata passes a schema (format, family, progress with
 * generator states), a format-1 file with its data checksum and valid metadata is still read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../nn/rng.js';
import { CorruptFileError, writeSafetensorsFile } from '../persist/safetensors.js';
import { PingPongBuffers } from '../runtime/buffers.js';
import { expectOneLineRejection } from '../test-support/expect-error.js';
import { loadCheckpoint, NoCheckpointError, saveCheckpoint } from '../workflow/checkpoint-file.js';
import { CHECKPOINT_FILE, CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, rngStateSchema, trainerProgressSchema } from './checkpoint.js';
import type { TrainerProgress } from './trainer.js';
import { nodeBackend } from '../runtime/node.js';

const root = mkdtempSync(join(tmpdir(), 'latentkit-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const newDir = (): string => {
  const d = join(root, `run${runs++}`);
  mkdirSync(d);
  return d;
};

/** Generator states after a few draws, as a trainer would save them. */
function progressAt(epoch: number, step: number): TrainerProgress {
  const data = new Rng(11);
  const noise = new Rng(12);
  for (let i = 0; i < 37; i++) data.uniform();
  for (let i = 0; i < 5; i++) noise.uniform();
  return { epoch, step, rng: { data: data.state(), noise: noise.state() } };
}

const W = new Float32Array([0.25, -1.5, 3, 0.125, 7, -2]);

/** A run directory holding a checkpoint written by saveCheckpoint. */
async function saved(progress = progressAt(3, 30), family = 'vae'): Promise<string> {
  const dir = newDir();
  const state = new PingPongBuffers([{ name: 'enc.w', shape: [2, 3] }], nodeBackend);
  state.set('enc.w', W);
  await saveCheckpoint(dir, state, progress, family);
  return dir;
}

/** A checkpoint with these metadata entries and a valid (whole-file) checksum: only the schema can refuse it. */
async function withMetadata(metadata: Record<string, string>): Promise<string> {
  const dir = newDir();
  await writeSafetensorsFile(join(dir, CHECKPOINT_FILE), { 'enc.w': { data: W, shape: [2, 3] } }, metadata);
  return dir;
}

const validMeta = (progress: unknown = progressAt(3, 30)): Record<string, string> => ({ format: CHECKPOINT_FORMAT, family: 'vae', progress: JSON.stringify(progress) });

/** A checkpoint as latentkit ≤ 0.1.0 wrote it: format 1, data-only `sha256`. */
function formatOne(metadata: Record<string, string>, withSha = true): string {
  const dir = newDir();
  const data = new Uint8Array(W.buffer.slice(0));
  const meta = { ...metadata, ...(withSha && { sha256: createHash('sha256').update(data).digest('hex') }) };
  const json = Buffer.from(JSON.stringify({ __metadata__: meta, 'enc.w': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(dir, CHECKPOINT_FILE), Buffer.concat([len, json, data]));
  return dir;
}

/** Rewrites the checkpoint's header text in place (same length: the tensor offsets stay valid, the checksum does not). */
function editHeader(dir: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const path = join(dir, CHECKPOINT_FILE);
  const bytes = readFileSync(path);
  const len = Number(bytes.readBigUInt64LE(0));
  const text = bytes.subarray(8, 8 + len).toString('utf8');
  expect(text, `header contains ${from}`).toContain(from);
  bytes.set(Buffer.from(text.replace(from, to)), 8);
  writeFileSync(path, bytes);
}

const corrupt = async (dir: string | Promise<string>, message: RegExp, options = {}): Promise<void> => {
  const d = await dir;
  await expectOneLineRejection(() => loadCheckpoint(d, options), CorruptFileError, message);
};

describe('save → load', () => {
  it('round-trips tensors, progress (incl. generator states) and family in format 2', async () => {
    const progress = progressAt(3, 30);
    const dir = await saved(progress, 'cvae');
    const ckpt = await loadCheckpoint(dir, { family: 'cvae' });
    expect(ckpt.progress).toEqual(progress);
    expect(ckpt.family).toBe('cvae');
    expect(Array.from(ckpt.tensors['enc.w']!.data)).toEqual(Array.from(W));
    expect(readFileSync(join(dir, CHECKPOINT_FILE)).toString('latin1')).toContain(`"format":"${CHECKPOINT_FORMAT}"`);
    // The restored generators continue the same sequence.
    const a = new Rng({ state: ckpt.progress.rng.data });
    const b = new Rng({ state: progress.rng.data });
    expect([a.uniform(), a.uniform()]).toEqual([b.uniform(), b.uniform()]);
  });

  it('a missing checkpoint is a NoCheckpointError', async () => {
    await expectOneLineRejection(() => loadCheckpoint(newDir()), NoCheckpointError, /^no checkpoint in .* \(expected .*checkpoint\.safetensors\)$/);
  });
});

describe('edits are caught by the whole-file checksum', () => {
  const s1 = JSON.stringify(progressAt(3, 30).rng.noise.s1);
  const cases: [string, string, string][] = [
    ['epoch', '\\"epoch\\":3', '\\"epoch\\":4'],
    ['step', '\\"step\\":30', '\\"step\\":31'],
    ['family', '"family":"vae"', '"family":"dae"'],
    ['generator state', `\\"s1\\":${s1}`, `\\"s1\\":${s1.slice(0, -1)}${s1.endsWith('1') ? '2' : '1'}`],
  ];
  for (const [what, from, to] of cases) {
    it(`an edited ${what} is refused`, async () => {
      const dir = await saved();
      editHeader(dir, from, to);
      await corrupt(dir, /checkpoint .*checkpoint\.safetensors failed its checksum: sha256 of metadata, tensor table and data is [0-9a-f]{64}, metadata says [0-9a-f]{64}$/);
    });
  }

  it('a checkpoint without the checksum key is refused', async () => {
    const dir = await saved();
    editHeader(dir, '"checksum":', '"checksun":');
    await corrupt(dir, /checkpoint .*checkpoint\.safetensors has no checksum \(metadata key 'checksum' is missing\)/);
  });
});

describe('the metadata schema (valid checksum, invalid content)', () => {
  const rng = progressAt(3, 30).rng;
  const cases: [string, unknown, RegExp][] = [
    ['epoch -5', { epoch: -5, step: 30, rng }, /invalid progress metadata: epoch: .*>=0 \(got -5\)$/],
    ['step -1', { epoch: 0, step: -1, rng }, /invalid progress metadata: step: .*>=0 \(got -1\)$/],
    ['a fractional epoch', { epoch: 1.5, step: 30, rng }, /epoch: Invalid input: expected int, received number \(got 1\.5\)$/],
    ['fewer steps than epochs', { epoch: 4, step: 3, rng }, /step: fewer steps than completed epochs \(got 3\)$/],
    ['epoch 1 with step 0', { epoch: 1, step: 0, rng }, /step: fewer steps than completed epochs \(got 0\)$/],
    ['a missing step', { epoch: 3, rng }, /step: .*expected number/],
    ['an unknown progress field', { epoch: 3, step: 30, rng, extra: 1 }, /Unrecognized key.*"extra"/],
    ['a missing noise generator', { epoch: 3, step: 30, rng: { data: rng.data } }, /rng\.noise: /],
    ['a generator fraction off the 2^-32 grid', { epoch: 3, step: 30, rng: { ...rng, data: { ...rng.data, s0: 0.123456789 } } }, /rng\.data\.s0: not a multiple of 2\^-32, so no Alea generator can be in this state \(got 0\.123456789\)$/],
    ['a generator fraction ≥ 1', { epoch: 3, step: 30, rng: { ...rng, noise: { ...rng.noise, s2: 1.5 } } }, /rng\.noise\.s2: .*<1 \(got 1\.5\)$/],
    ['a negative carry', { epoch: 3, step: 30, rng: { ...rng, data: { ...rng.data, c: -1 } } }, /rng\.data\.c: .*>=0 \(got -1\)$/],
    ['a carry ≥ 2091639', { epoch: 3, step: 30, rng: { ...rng, data: { ...rng.data, c: 2091639 } } }, /rng\.data\.c: .*<2091639 \(got 2091639\)$/],
    ['an all-zero generator', { epoch: 3, step: 30, rng: { ...rng, data: { c: 0, s0: 0, s1: 0, s2: 0 } } }, /rng\.data: an all-zero generator state/],
    ['a generator state that is a string', { epoch: 3, step: 30, rng: { ...rng, data: 'garbage' } }, /rng\.data: .*expected object/],
  ];
  for (const [what, progress, message] of cases) {
    it(`refuses ${what}`, () => corrupt(withMetadata(validMeta(progress)), message));
  }

  it('refuses progress that is not JSON', async () => {
    await corrupt(withMetadata({ ...validMeta(), progress: '{"epoch":3,' }), /has unreadable progress metadata \(not JSON\)$/);
  });

  it('refuses an unknown family, a missing or newer format, and unknown metadata keys', async () => {
    await corrupt(withMetadata({ ...validMeta(), family: 'gan' }), /has invalid metadata: family: not a model family \(known: ae, .*\) \(got "gan"\)$/);
    const { format: _f, ...noFormat } = validMeta();
    await corrupt(withMetadata(noFormat), /is not a latentkit checkpoint this version reads \(format missing; reads latentkit-checkpoint\/1, latentkit-checkpoint\/2\)$/);
    await corrupt(withMetadata({ ...validMeta(), format: 'latentkit-checkpoint/3' }), /\(format "latentkit-checkpoint\/3"; reads/);
    await corrupt(withMetadata({ ...validMeta(), note: 'x' }), /has invalid metadata: .*Unrecognized key.*"note"/);
  });

  it('refuses a checkpoint of another family than the run’s config', async () => {
    await corrupt(saved(progressAt(3, 30), 'vae'), /holds a model of family vae, but the run's config\.json says ae$/, { family: 'ae' });
  });

  it('accepts every state a seeded generator passes through', async () => {
    for (const seed of [0, 1, 'x', 123456789]) {
      const r = new Rng(seed);
      for (let i = 0; i < 2000; i++) {
        const parsed = rngStateSchema.safeParse(r.state());
        if (!parsed.success) throw new Error(`seed ${seed}, draw ${i}: ${parsed.error.message}`);
        r.uniform();
      }
    }
  });

  it('trainerProgressSchema can be extended with new optional fields and stays strict', async () => {
    const extended = trainerProgressSchema.extend({ position: trainerProgressSchema.shape.step.optional() });
    const p = progressAt(0, 0);
    expect(extended.safeParse({ ...p, position: 12 }).success).toBe(true);
    expect(extended.safeParse({ ...p, other: 1 }).success).toBe(false);
  });
});

describe('format 1 (latentkit ≤ 0.1.0: data-only checksum)', () => {
  const meta1 = (progress: unknown = progressAt(3, 30)): Record<string, string> => ({ format: 'latentkit-checkpoint/1', family: 'vae', progress: JSON.stringify(progress) });

  it('is read when its data checksum is present and its metadata is valid', async () => {
    const ckpt = await loadCheckpoint(formatOne(meta1()), { family: 'vae' });
    expect(ckpt.progress).toEqual(progressAt(3, 30));
    expect(Array.from(ckpt.tensors['enc.w']!.data)).toEqual(Array.from(W));
  });

  it('without its data checksum, it is refused', async () => {
    await corrupt(formatOne(meta1(), false), /has no checksum/);
  });

  it('with invalid metadata (epoch -5), it is refused', async () => {
    await corrupt(formatOne(meta1({ ...progressAt(3, 30), epoch: -5 })), /invalid progress metadata: epoch: .*\(got -5\)$/);
  });

  it('a format-2 label on a data-only checksum (a downgraded file) is refused', async () => {
    await corrupt(formatOne({ ...meta1(), format: CHECKPOINT_FORMAT }), /has a data-only checksum, but format latentkit-checkpoint\/2 requires a whole-file one$/);
  });

  it('a format-1 label on a whole-file checksum is refused (no version wrote that)', async () => {
    await corrupt(withMetadata(meta1()), /has a whole-file checksum, but format latentkit-checkpoint\/1 requires a data-only one$/);
  });
});

describe('the checkpoint path is a folder', () => {
  it('one CorruptFileError line, not EISDIR', async () => {
    const dir = newDir();
    mkdirSync(join(dir, CHECKPOINT_FILE));
    await corrupt(dir, /^checkpoint .*checkpoint\.safetensors is a folder, not a file$/);
  });
});

describe('saveCheckpoint', () => {
  it('never writes progress the loader would refuse', async () => {
    const dir = newDir();
    const state = new PingPongBuffers([{ name: 'enc.w', shape: [2, 3] }], nodeBackend);
    await expect(saveCheckpoint(dir, state, { ...progressAt(3, 30), epoch: -1 }, 'vae')).rejects.toThrow(/progress does not fit the checkpoint schema: epoch: /);
    await expect(loadCheckpoint(dir)).rejects.toThrow(NoCheckpointError);
  });
});

describe('the byte codec (portable: what the browser writes and reads)', () => {
  it('encodeCheckpoint → decodeCheckpoint round-trips, and saveCheckpoint writes exactly those bytes', async () => {
    const progress = progressAt(3, 30);
    const bytes = await encodeCheckpoint({ 'enc.w': { data: W, shape: [2, 3] } }, progress, 'vae');
    const back = await decodeCheckpoint(bytes, 'download', { family: 'vae' });
    expect(back.progress).toEqual(progress);
    expect(Array.from(back.tensors['enc.w']!.data)).toEqual(Array.from(W));
    const dir = await saved(progress, 'vae');
    expect(new Uint8Array(readFileSync(join(dir, CHECKPOINT_FILE)))).toEqual(bytes);
  });

  it('decodeCheckpoint names its source in one line', async () => {
    const bytes = await encodeCheckpoint({ 'enc.w': { data: W, shape: [2, 3] } }, progressAt(3, 30), 'vae');
    await expectOneLineRejection(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4), 'run.zip:checkpoint.safetensors'), CorruptFileError, /^checkpoint run\.zip:checkpoint\.safetensors is truncated: /);
  });
});
