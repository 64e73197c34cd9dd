/**
 * `latentkit sample`, run in-process through `main` (the argv a shell would pass), on tiny runs
 * trained in beforeAll. User mistakes must end with exit code 1 and one line on stderr.
 */
import { readFileSync, mkdtempSync, rmSync, truncateSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadBundledMnist } from '../data/mnist.js';
import { KnnClassifier } from '../latent/knn.js';
import { loadNpy } from '../data/npy.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { trainRun } from '../workflow/train-run.js';
import { main } from './main.js';
import { encodeNpy } from '../data/npy.js';
import { nodeBackend } from '../runtime/node.js';

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
const runs = { cvae: join(tmp, 'cvae'), vae: join(tmp, 'vae'), aae: join(tmp, 'aae'), ae: join(tmp, 'ae') };

beforeAll(async () => {
  const common = { train: { epochs: 1, seed: 5 }, backend: nodeBackend, threads: 2 } as const;
  await trainRun({ report: false,  ...common, model: { family: 'cvae', latent: 2, hidden: [32] }, data: { spec: 'mnist', limit: 512 }, out: runs.cvae });
  await trainRun({ report: false,  ...common, model: { family: 'vae', latent: 2, hidden: [16] }, data: { spec: 'mnist', limit: 256 }, out: runs.vae });
  await trainRun({ report: false,  ...common, model: { family: 'aae', latent: 2, hidden: [32], prior: 'mog', conditional: true }, data: { spec: 'mnist', limit: 512 }, out: runs.aae });
  await trainRun({ report: false,  train: { epochs: 3, seed: 1 }, threads: 2, model: { family: 'ae', latent: 16, hidden: [128] }, data: { spec: 'mnist', limit: 3000 }, out: runs.ae });
}, 180_000);

/** Decoded samples of a run as written by `sample --npy`. */
async function samplesOf(dir: string, ...flags: string[]): Promise<{ x: Float32Array; n: number; summary: Record<string, unknown>; stderr: string }> {
  const npy = join(tmp, `s-${Math.random().toString(36).slice(2)}.npy`);
  const r = await latentkit('sample', dir, '--npy', npy, '--out', npy.replace(/\.npy$/, '.png'), '--json', '--threads', '1', ...flags);
  expect(r.code, r.stderr).toBe(0);
  const ds = loadNpy(npy);
  return { x: ds.x, n: ds.n, summary: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('latentkit sample', () => {
  it('--class c of a cvae writes <run>/samples-c.png with n tiles and prints its path', async () => {
    const r = await latentkit('sample', runs.cvae, '--class', '3', '--n', '16', '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    const path = join(runs.cvae, 'samples-3.png');
    expect(r.stdout).toBe(`${path}\n`);
    expect(pngSize(path)).toEqual(gridSize(4, 4));
  }, 30_000);

  it('without --class a conditional model draws every class in turn, one class per row; --json reports it', async () => {
    const r = await latentkit('sample', runs.cvae, '--json', '--threads', '1');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    // 64 asked → 7 per class, a whole row each.
    expect(summary).toEqual({ model: 'cvae', run: runs.cvae, n: 70, class: null, seed: 0, prior: 'normal', temperature: 1, out: join(runs.cvae, 'samples-all.png') });
    expect(pngSize(summary['out'] as string)).toEqual(gridSize(7, 10));
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

  it('a plain AE samples from a mixture fitted to its codes by default: samples far closer to real digits than N(0, I) draws', async () => {
    const gmm = await samplesOf(runs.ae, '--n', '200');
    expect(gmm.summary).toMatchObject({ prior: 'gmm', temperature: 1 });
    expect(gmm.summary['warning']).toBeUndefined();
    const normal = await samplesOf(runs.ae, '--n', '200', '--prior', 'normal');
    expect(normal.summary['warning']).toMatch(/N\(0, I\) draws mean little for --model ae/);
    expect(normal.stderr).toMatch(/^latentkit: note: N\(0, I\) draws mean little/);
    // Distance of each sample to its nearest training digit: the mixture's samples look like data.
    const { train } = loadBundledMnist();
    const knn = await KnnClassifier.fit(train.x.subarray(0, 3000 * 784), 3000, 784, train.labels!.subarray(0, 3000), 10, { k: 1, runtime: { backend: nodeBackend } });
    const nearest = async (x: Float32Array, n: number): Promise<number> => (await knn.neighbors(x, n)).distances.reduce((a, b) => a + b, 0) / n;
    const [dGmm, dNormal] = [await nearest(gmm.x, gmm.n), await nearest(normal.x, normal.n)];
    await knn.release();
    console.log(`mean squared distance to the nearest training digit: gmm ${dGmm.toFixed(1)}, N(0, I) ${dNormal.toFixed(1)}`);
    expect(dGmm).toBeLessThan(0.6 * dNormal);
  }, 60_000);

  it('--temperature scales the prior: cooler draws vary less from sample to sample, and t = 1 is the default', async () => {
    const spread = (s: { x: Float32Array; n: number }): number => {
      const d = s.x.length / s.n;
      let v = 0;
      for (let j = 0; j < d; j++) {
        let m = 0;
        for (let i = 0; i < s.n; i++) m += s.x[i * d + j]! / s.n;
        for (let i = 0; i < s.n; i++) v += (s.x[i * d + j]! - m) ** 2 / s.n;
      }
      return v;
    };
    const warm = await samplesOf(runs.vae, '--n', '100');
    const cool = await samplesOf(runs.vae, '--n', '100', '--temperature', '0.3');
    const same = await samplesOf(runs.vae, '--n', '100', '--temperature', '1');
    expect(spread(cool)).toBeLessThan(0.5 * spread(warm));
    expect([...same.x]).toEqual([...warm.x]);
    const gmmCool = await samplesOf(runs.ae, '--n', '100', '--temperature', '0.2');
    expect(spread(gmmCool)).toBeLessThan(spread(await samplesOf(runs.ae, '--n', '100')));
    expectUserError(await latentkit('sample', runs.aae, '--temperature', '0.5'), /--temperature applies to Gaussian priors; this aae has a mog prior/);
  }, 60_000);

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
