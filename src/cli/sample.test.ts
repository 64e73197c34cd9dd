/**
 * `latentkit sample`, run in-process through `main` (the argv a shell would pass), on tiny runs
 * trained in beforeAll. User mistakes must end with exit code 1 and one line on stderr.
 */
import { readFileSync, mkdtempSync, rmSync, truncateSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNpy } from '../data/npy.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { trainRun } from '../workflow/train-run.js';
import { main } from './main.js';
import { encodeNpy } from '../data/npy.js';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function latentkit(...args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  try {
    const code = await main(['node', 'latentkit', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function expectUserError(r: Result, mention: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(mention);
}

/** Width and height of a PNG file. */
function pngSize(path: string): [number, number] {
  const png = pngjs.PNG.sync.read(readFileSync(path));
  return [png.width, png.height];
}

/** Size of a grid of 28×28 tiles with 1-pixel separators, scaled 2×. */
const gridSize = (cols: number, rows: number): [number, number] => [(cols * 28 + cols + 1) * 2, (rows * 28 + rows + 1) * 2];

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-sample-'));
const runs = { cvae: join(tmp, 'cvae'), vae: join(tmp, 'vae'), aae: join(tmp, 'aae') };

beforeAll(async () => {
  const common = { train: { epochs: 1, seed: 5 }, threads: 2 } as const;
  await trainRun({ ...common, model: { family: 'cvae', latent: 2, hidden: [32] }, data: { spec: 'mnist', limit: 512 }, out: runs.cvae });
  await trainRun({ ...common, model: { family: 'vae', latent: 2, hidden: [16] }, data: { spec: 'mnist', limit: 256 }, out: runs.vae });
  await trainRun({ ...common, model: { family: 'aae', latent: 2, hidden: [32], prior: 'mog', conditional: true }, data: { spec: 'mnist', limit: 512 }, out: runs.aae });
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('latentkit sample', () => {
  it('--class c of a cvae writes <run>/samples-c.png with n tiles and prints its path', async () => {
    const r = await latentkit('sample', runs.cvae, '--class', '3', '--n', '16', '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    const path = join(runs.cvae, 'samples-3.png');
    expect(r.stdout).toBe(`${path}\n`);
    expect(pngSize(path)).toEqual(gridSize(4, 4));
  }, 30_000);

  it('without --class a conditional model draws every class in turn, one class per column; --json reports it', async () => {
    const r = await latentkit('sample', runs.cvae, '--json', '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toEqual({ model: 'cvae', run: runs.cvae, n: 64, class: null, seed: 0, out: join(runs.cvae, 'samples-all.png') });
    expect(pngSize(summary['out'] as string)).toEqual(gridSize(10, 7));
  }, 30_000);

  it("the run's training seed reproduces its samples.png byte for byte (same prior draws, same grid)", async () => {
    const out = join(tmp, 'again.png');
    const r = await latentkit('sample', runs.vae, '--seed', '5', '--out', out, '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${out}\n`);
    expect(readFileSync(out).equals(readFileSync(join(runs.vae, 'samples.png')))).toBe(true);
    const other = join(tmp, 'other.png');
    await latentkit('sample', runs.vae, '--seed', '6', '--out', other, '--threads', '1');
    expect(readFileSync(other).equals(readFileSync(out))).toBe(false);
  }, 30_000);

  it('--npy writes the decoded samples as float32 [n, ...shape], readable by the npy loader', async () => {
    const npy = join(tmp, 'samples.npy');
    const r = await latentkit('sample', runs.aae, '--class', '7', '--n', '5', '--npy', npy, '--json', '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: 'aae', class: 7, n: 5, out: join(runs.aae, 'samples-7.png'), npy });
    const ds = loadNpy(npy);
    expect([ds.n, ...ds.sampleShape]).toEqual([5, 784]); // the workflow's model input shape: [prod(sample shape)]
    for (const v of ds.x) expect(v >= 0 && v <= 1).toBe(true);
    // The header pads to a multiple of 64 bytes, as numpy's format 1.0 requires.
    expect((readFileSync(npy).readUInt16LE(8) + 10) % 64).toBe(0);
    const oneD = encodeNpy(Float32Array.of(1, 2, 3), [3]);
    expect(Buffer.from(oneD).toString('latin1')).toContain("'shape': (3,)"); // a Python 1-tuple
    expect((oneD.length - 12) % 64).toBe(0);
  }, 30_000);

  it('refuses --class on an unconditional run, a class out of range, a missing run and a corrupt checkpoint, in one line', async () => {
    expectUserError(await latentkit('sample', runs.vae, '--class', '3'), /--class: .* holds an unconditional vae model/);
    expectUserError(await latentkit('sample', runs.cvae, '--class', '10'), /--class must be in \[0, 9\] for this run \(got 10\)/);
    expectUserError(await latentkit('sample', join(tmp, 'nothing-here')), /is not a latentkit run directory/);
    expect(existsSync(join(runs.vae, 'samples-3.png'))).toBe(false);
    const ckpt = join(runs.aae, CHECKPOINT_FILE);
    truncateSync(ckpt, Math.floor(statSync(ckpt).size / 2));
    expectUserError(await latentkit('sample', runs.aae), /checkpoint\.safetensors/);
  }, 30_000);
});
