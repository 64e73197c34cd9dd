/**
 * Streaming training and mid-epoch checkpoints end to end (issue 10, scale): a run killed
 * right after a mid-epoch checkpoint resumes to the uninterrupted run's bytes, for data in
 * memory and streamed from a .npy file; streaming refuses what it cannot do in one line.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../data/npy.js';
import { BIN, ensureDistBuilt, expectOk, expectUserError, latentkit } from '../test-support/cli-harness.js';

let tmp: string;
let npy: string;
beforeAll(() => {
  ensureDistBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-stream-cli-'));
  // 6,000 rows of 64 values in [0, 1]: a column ramp plus seeded noise.
  const n = 6000;
  const d = 64;
  const x = new Float32Array(n * d);
  let s = 1;
  for (let i = 0; i < n * d; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = ((i % d) / d) * 0.5 + (s / 2147483648) * 0.5;
  }
  npy = join(tmp, 'rows.npy');
  writeFileSync(npy, encodeNpy(x, [n, d]));
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const metrics = (dir: string): unknown[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { epoch, step, train, test } = JSON.parse(l) as Record<string, unknown>;
      return { epoch, step, train, test };
    });

/** The progress a checkpoint file records (safetensors metadata), or undefined while it is absent or being replaced. */
function checkpointProgress(bytes: Buffer): { epoch: number; step: number; inEpoch?: { step: number; stream?: unknown } } | undefined {
  try {
    const len = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8')) as { __metadata__: { progress: string } };
    return JSON.parse(header.__metadata__.progress) as { epoch: number; step: number; inEpoch?: { step: number } };
  } catch {
    return undefined;
  }
}

describe('mid-epoch checkpoints: kill, resume, same bytes', () => {
  for (const mode of ['in-memory', 'streamed'] as const) {
    it(`${mode}: killed after a mid-epoch checkpoint, --resume ends with the uninterrupted run's checkpoint and metrics`, async () => {
      const flags = ['--data', npy, ...(mode === 'streamed' ? ['--stream', '--shuffle-buffer', '512'] : []), '--batch-size', '16', '--hidden', '16', '--latent', '2', '--epochs', '2', '--checkpoint-every', '40', '--seed', '5', '--threads', '1', '--quiet', '--no-report'];
      const a = join(tmp, `${mode}-a`);
      const b = join(tmp, `${mode}-b`);
      expectOk(await latentkit(['train', ...flags, '--out', a], tmp));

      // B: watch its checkpoint; once one is mid-epoch in epoch 2, keep its bytes and kill the writer.
      const child = spawn(process.execPath, [BIN, 'train', ...flags, '--out', b], { stdio: 'ignore' });
      let kept: Buffer | undefined;
      try {
        for (let i = 0; i < 3000 && !kept; i++) {
          const path = join(b, 'checkpoint.safetensors');
          if (existsSync(path)) {
            const bytes = readFileSync(path);
            const p = checkpointProgress(bytes);
            if (p?.inEpoch && p.epoch === 1) kept = bytes;
          }
          if (!kept) await sleep(5);
        }
      } finally {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      expect(kept, 'a mid-epoch checkpoint in epoch 2 was seen').toBeDefined();
      // The kill may have come a checkpoint or two later: put back the one seen, as if killed right after it.
      writeFileSync(join(b, 'checkpoint.safetensors'), kept!);
      const p = checkpointProgress(kept!)!;
      expect(p.inEpoch!.step).toBeGreaterThan(0);
      if (mode === 'streamed') expect(p.inEpoch!.stream).toMatchObject({ blockRows: 128, windowBlocks: 4 });
      else expect(p.inEpoch!.stream).toBeUndefined();

      expectOk(await latentkit(['train', '--resume', b, '--threads', '1', '--quiet', '--no-report'], tmp));
      expect(sha(join(b, 'checkpoint.safetensors')), 'checkpoint byte-identical').toBe(sha(join(a, 'checkpoint.safetensors')));
      expect(metrics(b)).toEqual(metrics(a));
      expect(JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(a, 'config.json'), 'utf8')));
    }, 180_000);
  }
});

describe('streaming refuses what it cannot do, in one line', () => {
  it('--standardize with --stream; --shuffle-buffer without streaming; a gzipped IDX folder', async () => {
    const out = join(tmp, 'refused');
    const common = ['--hidden', '8', '--latent', '2', '--epochs', '1', '--threads', '1', '--quiet', '--no-report', '--out', out];
    expectUserError(await latentkit(['train', '--data', npy, '--stream', '--standardize', ...common], tmp), '--standardize needs statistics over the whole training set');
    expectUserError(await latentkit(['train', '--data', npy, '--shuffle-buffer', '100', ...common], tmp), '--shuffle-buffer applies to streamed data; add --stream');
    expectUserError(await latentkit(['train', '--data', 'fashion-mnist', '--stream', ...common], tmp), 'streaming (--stream) reads a .npy file');
    const gz = join(tmp, 'gz');
    mkdirSync(gz, { recursive: true });
    const idx = (dims: number[], bytes: number): Buffer => {
      const h = Buffer.alloc(4 + 4 * dims.length);
      h.set([0, 0, 8, dims.length]);
      dims.forEach((v, i) => h.writeUInt32BE(v, 4 + 4 * i));
      return Buffer.concat([h, Buffer.alloc(bytes)]);
    };
    const { gzipSync } = await import('node:zlib');
    writeFileSync(join(gz, 'train-images-idx3-ubyte.gz'), gzipSync(idx([20, 2, 2], 80)));
    writeFileSync(join(gz, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([20], 20)));
    writeFileSync(join(gz, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([20, 2, 2], 80)));
    writeFileSync(join(gz, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([20], 20)));
    expectUserError(await latentkit(['train', '--data', gz, '--stream', ...common], tmp), 'a gzipped IDX file cannot be streamed (gzip cannot seek); gunzip it first');
    expect(existsSync(out), 'nothing written').toBe(false);
  }, 120_000);
});
