/**
 * Checkpoint integrity (issue 10, defect 3, and the "checkpoint path is a folder" item of
 * defect 5), end to end through `node bin/latentkit.js`:
 * - the checksum covers metadata and data: the repro (one bit flipped in the checksum
 *   key's name, one in the data) and an edited epoch are refused in one line, exit 1;
 * - metadata with a valid checksum still passes a schema: `epoch: -5` is refused before any
 *   training, and a checkpoint of another family than config.json is refused;
 * - a folder at the checkpoint path is one line for eval, sample, export and train --resume;
 * - a format-1 checkpoint (data-only checksum) is still read, and a resume rewrites it as format 2.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, writeSafetensorsFile } from '../persist/safetensors.js';
import { ensureDistBuilt, expectOk, expectUserError, latentkit, snapshot } from '../test-support/cli-harness.js';

const CKPT = 'checkpoint.safetensors';
const quick = ['--threads', '1', '--quiet', '--no-report'];
let tmp: string;
let base: string;
let baseEval: { test: Record<string, number> };

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-ckpt-integrity-'));
  ensureDistBuilt();
  base = join(tmp, 'base');
  expectOk(await latentkit(['train', '--epochs', '1', '--limit', '256', '--hidden', '16', '--latent', '3', '--out', base, ...quick], tmp));
  const r = await latentkit(['eval', base, '--no-probe', '--threads', '1', '--json'], tmp);
  expectOk(r);
  baseEval = JSON.parse(r.stdout) as { test: Record<string, number> };
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let copies = 0;
/** A fresh copy of the trained run. */
const copyRun = (): string => {
  const dir = join(tmp, `run${copies++}`);
  cpSync(base, dir, { recursive: true });
  return dir;
};

/** The checkpoint's header (JSON text) and the offset where its data starts. */
function header(path: string): { bytes: Buffer; text: string } {
  const bytes = readFileSync(path);
  return { bytes, text: bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8') };
}

/** Replaces `from` by `to` (same length) in the checkpoint's header, leaving its checksum stale. */
function editHeader(path: string, from: string, to: string): void {
  const { bytes, text } = header(path);
  expect(text, `header contains ${from}`).toContain(from);
  expect(to.length).toBe(from.length);
  bytes.set(Buffer.from(text.replace(from, to)), 8);
  writeFileSync(path, bytes);
}

/** Rewrites the checkpoint with metadata changed by `edit` and a valid (whole-file) checksum. */
async function rewriteMetadata(path: string, edit: (m: Record<string, string>) => Record<string, string>): Promise<void> {
  const { tensors, metadata } = await decodeSafetensors(readFileSync(path), path);
  await writeSafetensorsFile(path, tensors, edit(metadata));
}

describe('the checksum covers metadata and data', () => {
  it("one bit flipped in the checksum key's name plus one in the data: eval exits 1 with one line (was a loss of 1.29e35, exit 0)", async () => {
    const dir = copyRun();
    const path = join(dir, CKPT);
    const { bytes, text } = header(path);
    const at = 8 + Buffer.byteLength(text.slice(0, text.indexOf('"checksum"'))) + 1;
    bytes[at]! ^= 0x01; // "checksum" → "bhecksum"
    bytes[bytes.length - 2]! ^= 0x40; // the exponent of the last weight
    writeFileSync(path, bytes);
    const line = expectUserError(await latentkit(['eval', dir, '--no-probe', '--threads', '1'], tmp), `checkpoint ${path} has no checksum`);
    expect(line).toMatch(/^latentkit: error: /);
  }, 60_000);

  it('an edited epoch: train --resume exits 1 with one line and changes nothing', async () => {
    const dir = copyRun();
    editHeader(join(dir, CKPT), '\\"epoch\\":1', '\\"epoch\\":3');
    const before = snapshot(dir);
    expectUserError(await latentkit(['train', '--resume', dir, '--epochs', '4', ...quick], tmp), 'failed its checksum');
    expect(snapshot(dir)).toEqual(before);
  }, 60_000);
});

describe('the metadata schema', () => {
  it('epoch -5 under a valid checksum: train --resume is refused in one line and changes nothing', async () => {
    const dir = copyRun();
    await rewriteMetadata(join(dir, CKPT), (m) => ({ ...m, progress: JSON.stringify({ ...(JSON.parse(m['progress']!) as object), epoch: -5 }) }));
    const before = snapshot(dir);
    expectUserError(await latentkit(['train', '--resume', dir, '--epochs', '2', ...quick], tmp), 'has invalid progress metadata: epoch: Too small: expected number to be >=0 (got -5)');
    expect(snapshot(dir)).toEqual(before);
  }, 60_000);

  it('a checkpoint of another family than config.json: eval is refused in one line', async () => {
    const dir = copyRun();
    await rewriteMetadata(join(dir, CKPT), (m) => ({ ...m, family: 'dae' }));
    expectUserError(await latentkit(['eval', dir, '--no-probe', '--threads', '1'], tmp), "holds a model of family dae, but the run's config.json says vae");
  }, 60_000);
});

describe('a folder at the checkpoint path', () => {
  it('eval, sample, export and train --resume each print one line', async () => {
    const dir = copyRun();
    const path = join(dir, CKPT);
    rmSync(path);
    mkdirSync(path);
    const commands = [
      ['eval', dir, '--no-probe', '--threads', '1'],
      ['sample', dir, '--out', join(tmp, 'x.png'), '--threads', '1'],
      ['export', dir, '--out', join(tmp, 'export')],
      ['train', '--resume', dir, '--epochs', '2', ...quick],
    ];
    for (const args of commands) expectUserError(await latentkit(args, tmp), `checkpoint ${path} is a folder, not a file`);
  }, 120_000);
});

describe('format 1 (data-only checksum, written by latentkit ≤ 0.1.0)', () => {
  /** The run's checkpoint rewritten as format 1: same tensors and progress, `sha256` of the data only. */
  async function toFormatOne(path: string): Promise<void> {
    const bytes = readFileSync(path);
    const len = Number(bytes.readBigUInt64LE(0));
    const data = bytes.subarray(8 + len);
    const { metadata } = await decodeSafetensors(bytes, path);
    const json = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8')) as Record<string, unknown>;
    json['__metadata__'] = { ...metadata, format: 'latentkit-checkpoint/1', sha256: createHash('sha256').update(data).digest('hex') };
    const text = Buffer.from(JSON.stringify(json));
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(text.length));
    writeFileSync(path, Buffer.concat([head, text, data]));
  }

  it('is read (eval gives the same numbers) and a resume writes format 2', async () => {
    const dir = copyRun();
    const path = join(dir, CKPT);
    await toFormatOne(path);
    expect(header(path).text).toContain('"format":"latentkit-checkpoint/1"');
    const r = await latentkit(['eval', dir, '--no-probe', '--threads', '1', '--json'], tmp);
    expectOk(r);
    expect((JSON.parse(r.stdout) as { test: unknown }).test).toEqual(baseEval.test);
    expectOk(await latentkit(['train', '--resume', dir, '--epochs', '2', ...quick], tmp));
    expect(header(path).text).toContain('"format":"latentkit-checkpoint/2"');
  }, 120_000);

  it('without its sha256 key it is refused', async () => {
    const dir = copyRun();
    const path = join(dir, CKPT);
    await toFormatOne(path);
    editHeader(path, '"sha256":', '"sha255":');
    expectUserError(await latentkit(['sample', dir, '--out', join(tmp, 'y.png'), '--threads', '1'], tmp), `checkpoint ${path} has no checksum`);
  }, 60_000);
});
