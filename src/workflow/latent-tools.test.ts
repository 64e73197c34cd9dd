/**
 * The latent-space jobs on real trained runs (bundled digits): each job's defining property,
 * and its refusals of bad input, which leave the run directory untouched.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpyHeader } from '../data/npy.js';
import { gaussianGridValues } from '../latent/manifold.js';
import { attributeRun } from './attribute-run.js';
import { embedRun } from './embed-run.js';
import { interpolateRun } from './interpolate-run.js';
import { loadRun, openCodec } from './load-run.js';
import { manifoldRun } from './manifold-run.js';
import { mapRun } from './map-run.js';
import { probeRun } from './probe-run.js';
import { trainRun } from './train-run.js';
import { traverseRun } from './traverse-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-latent-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TRAIN = { epochs: 3, batchSize: 64 };
const DATA = { spec: 'mnist', limit: 3000 };
const runs = { vae2: join(tmp, 'vae2'), vae8: join(tmp, 'vae8'), ae: join(tmp, 'ae'), unlabelled: join(tmp, 'unlabelled') };

beforeAll(async () => {
  await trainRun({ report: false,  model: { family: 'vae', latent: 2 }, train: TRAIN, data: DATA, out: runs.vae2 });
  // β = 4 on 8 dimensions: some dimensions collapse (KL_d ≈ 0), which traversal must rank last.
  await trainRun({ report: false,  model: { family: 'vae', latent: 8, beta: 4 }, train: TRAIN, data: DATA, out: runs.vae8 });
  await trainRun({ report: false,  model: { family: 'ae', latent: 8 }, train: TRAIN, data: DATA, out: runs.ae });
  const rows = Array.from({ length: 200 }, (_, i) => Array.from({ length: 16 }, (_, j) => ((i * 7 + j * 3) % 11) / 10).join(','));
  writeFileSync(join(tmp, 'plain.csv'), `${rows.join('\n')}\n`);
  await trainRun({ report: false,  model: { family: 'ae', latent: 2, hidden: [8] }, train: { epochs: 1, batchSize: 32 }, data: { spec: join(tmp, 'plain.csv') }, out: runs.unlabelled });
}, 240_000);

/** Decodes a PNG into a gray matrix (the first channel). */
function readGray(path: string): { width: number; height: number; px: (x: number, y: number) => number } {
  const png = pngjs.PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height, px: (x, y) => png.data[(y * png.width + x) * 4]! };
}

/** Tile (r, c) of a grid of `size`-pixel tiles with 1-pixel separators at scale `s`, as bytes. */
function tile(img: ReturnType<typeof readGray>, r: number, c: number, size: number, s: number, pad = 1): Float64Array {
  const out = new Float64Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = img.px((pad + c * (size + pad)) * s + x * s, (pad + r * (size + pad)) * s + y * s);
  return out;
}
const meanAbsDiff = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

function dirHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

describe('latent tools on trained runs', () => {
  it('embed: the codes are the encoder means, as .npy [n, k] with labels beside them, or CSV', async () => {
    const s = await embedRun({ dir: runs.vae2 });
    expect([s.n, s.k, s.code]).toEqual([997, 2, 'mu']);
    const bytes = new Uint8Array(readFileSync(s.out));
    const header = parseNpyHeader(bytes, s.out);
    expect(header.shape).toEqual([997, 2]);
    const codes = new Float32Array(bytes.slice(header.dataOffset).buffer);
    const run = await loadRun(runs.vae2);
    const codec = await openCodec(run);
    const { test } = (await import('../data/load.js')).loadData('mnist');
    const { mu } = await codec.encode(test.x.subarray(0, 5 * 784), 5, undefined);
    await codec.release();
    expect([...codes.subarray(0, 10)]).toEqual([...mu!]);
    const csv = await embedRun({ dir: runs.ae, out: join(tmp, 'ae-codes.csv') });
    const lines = readFileSync(csv.out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('index,z0,z1,z2,z3,z4,z5,z6,z7,label');
    expect(lines).toHaveLength(998);
    expect(Number(lines[1]!.split(',')[9])).toBe(test.labels![0]);
  }, 60_000);

  it('manifold: a VAE grid sits at Gaussian quantiles and changes smoothly from cell to cell', async () => {
    const s = await manifoldRun({ dir: runs.vae2, grid: 10 });
    expect(s.spacing).toBe('gaussian');
    expect(s.x_values).toEqual([...gaussianGridValues(10)]);
    expect(s.y_values).toEqual([...gaussianGridValues(10)].reverse());
    const img = readGray(s.out);
    expect(img.width).toBe(10 * 28 * 2);
    const t = (r: number, c: number): Float64Array => tile(img, r, c, 28, 2, 0);
    let neighbours = 0;
    for (let c = 0; c < 9; c++) neighbours += meanAbsDiff(t(5, c), t(5, c + 1)) / 9;
    const corners = meanAbsDiff(t(0, 0), t(9, 9));
    expect(corners).toBeGreaterThan(3 * neighbours);
    const ae = await manifoldRun({ dir: runs.ae, grid: 4, dims: [2, 5] });
    expect(ae.spacing).toBe('range');
    expect(ae.dims).toEqual([2, 5]);
  }, 60_000);

  it('interpolate: a path starts and ends at the two reconstructions; the row below blends pixels', async () => {
    const s = await interpolateRun({ dir: runs.ae, from: 3, to: 11, steps: 6 });
    expect(s.pairs).toEqual([[3, 11]]);
    const img = readGray(s.out);
    const run = await loadRun(runs.ae);
    const codec = await openCodec(run);
    const { test } = (await import('../data/load.js')).loadData('mnist');
    const rec = await codec.reconstruct(test.x.subarray(3 * 784, 4 * 784), 1);
    await codec.release();
    const bytes = Float64Array.from(rec, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    expect(meanAbsDiff(tile(img, 0, 0, 28, 2), bytes)).toBeLessThan(0.6);
    const original = Float64Array.from(test.x.subarray(11 * 784, 12 * 784), (v) => Math.round(v * 255));
    expect(meanAbsDiff(tile(img, 1, 5, 28, 2), original)).toBeLessThan(0.6);
    const slerp = await interpolateRun({ dir: runs.vae2, pairs: 3, slerp: true, seed: 4, out: join(tmp, 'pairs.png') });
    expect(slerp.pairs).toHaveLength(3);
    expect(readGray(slerp.out).height).toBe((6 * 29 + 1) * 2);
  }, 60_000);

  it('traverse: dimensions rank by KL, and the top-ranked one changes the decoding more than the last', async () => {
    const s = await traverseRun({ dir: runs.vae8, steps: 7 });
    expect(s.ranked_by).toBe('kl');
    const scores = s.dims.map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]!).toBeGreaterThan(3 * scores[7]!);
    const img = readGray(s.out);
    const change = (r: number): number => meanAbsDiff(tile(img, r, 0, 28, 2), tile(img, r, 6, 28, 2));
    console.log(`traverse: KL per dimension ${scores.map((v) => v.toFixed(3)).join(', ')}; pixel change top ${change(0).toFixed(1)}, bottom ${change(7).toFixed(1)}`);
    expect(change(0)).toBeGreaterThan(1.5 * change(7));
    const ae = await traverseRun({ dir: runs.ae, around: 2, top: 3 });
    expect(ae.ranked_by).toBe('variance');
    expect(ae.dims).toHaveLength(3);
  }, 60_000);

  it('attribute: adding the 1→7 vector makes a pixel classifier read most 1s as 7 (chance is 10%)', async () => {
    const s = await attributeRun({ dir: runs.ae, with: 'label=7', without: 'label=1' });
    const share = s.target_share!;
    expect(s.alphas[0]).toBe(-2);
    expect(share[0]!).toBeLessThan(0.05);
    expect(share[8]!).toBeGreaterThan(0.6);
    expect(share[8]! - share[4]!).toBeGreaterThan(0.5);
  }, 60_000);

  it('bad input: one sentence naming the flag, and nothing written into the run', async () => {
    const before = dirHash(runs.ae);
    await expect(interpolateRun({ dir: runs.ae, from: 99999, to: 1 })).rejects.toThrow(/^--from 99999 is out of range: the test split has 997 samples \(0–996\)$/);
    await expect(manifoldRun({ dir: runs.ae, dims: [0, 8] })).rejects.toThrow(/--dims: dimension 8 is beyond the latent size 8/);
    await expect(manifoldRun({ dir: runs.ae, dims: [3, 3] })).rejects.toThrow(/--dims must name two different dimensions \(got 3,3\)/);
    await expect(attributeRun({ dir: runs.ae, with: 'label=12' })).rejects.toThrow(/--with label=12: no test sample has this attribute/);
    await expect(traverseRun({ dir: runs.ae, around: 5000 })).rejects.toThrow(/--around 5000 is out of range/);
    await expect(mapRun({ dir: runs.ae, method: 'spectral' as never })).rejects.toThrow(/^--method must be one of auto, pca, umap, tsne \(got spectral\)$/);
    const unlabelled = dirHash(runs.unlabelled);
    await expect(attributeRun({ dir: runs.unlabelled, with: 'label=1' })).rejects.toThrow(/has no labels/);
    await expect(probeRun({ dir: runs.unlabelled })).rejects.toThrow(/^probe needs labelled data, but .*plain\.csv.* has no labels/);
    expect(dirHash(runs.ae)).toBe(before);
    expect(dirHash(runs.unlabelled)).toBe(unlabelled);
  }, 60_000);
});
