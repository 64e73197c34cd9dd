/**
 * The conv families through the workflow: [C, H, W] shapes taken from the data (grayscale IDX
 * and RGB PNG folders), export, eval --iw, sample --class, and the one-line errors for data and
 * flags that do not fit.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { encodeGrayPng, encodeRgbPng } from '../viz/png.js';
import { embedRun } from './embed-run.js';
import { evalRun } from './eval-run.js';
import { exportRun } from './export-run.js';
import { loadRun, openCodec } from './load-run.js';
import { sampleRun } from './sample-run.js';
import { trainRun } from './train-run.js';
import { nodeBackend } from '../runtime/node.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-conv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const small = { conv: [8, 16], dense: [16], latent: 3 };

/** A PNG folder of `n` images per class (2 classes): RGB or gray, h×w, class 1 brighter on the left half. */
function pngFolder(name: string, rgb: boolean, h: number, w: number, n: number): string {
  const root = join(tmp, name);
  const rng = new Rng(name);
  for (const cls of ['a', 'b']) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) {
      const px = new Uint8Array(h * w * (rgb ? 3 : 1));
      for (let p = 0; p < h * w; p++) {
        const left = p % w < w / 2;
        const v = Math.round(255 * Math.min(1, rng.uniform() * 0.4 + (cls === 'b' && left ? 0.6 : 0)));
        if (rgb) px.set([v, 255 - v, (v * 3) % 256], p * 3);
        else px[p] = v;
      }
      writeFileSync(join(root, cls, `${i}.png`), rgb ? encodeRgbPng(px, w, h) : encodeGrayPng(px, w, h));
    }
  }
  return root;
}

const errorOf = async (f: () => Promise<unknown>): Promise<string> => {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('conv families on grayscale digits', () => {
  const cvae = join(tmp, 'conv-cvae');
  beforeAll(async () => {
    await trainRun({ report: false, model: { family: 'conv-cvae', ...small }, train: { epochs: 1, batchSize: 64 }, data: { spec: 'mnist', limit: 600 }, out: cvae, threads: 2 });
  }, 120_000);

  it('the model reads [1, 28, 28] (from the data); export writes encoder/decoder ONNX files that take x [B, 1, 28, 28] with y and match the codec', async () => {
    const run = await loadRun(cvae);
    expect(run.model.inputShape).toEqual([1, 28, 28]);
    const { files } = await exportRun(cvae);
    const enc = await ort.InferenceSession.create(files[0]!);
    const dec = await ort.InferenceSession.create(files[1]!);
    expect(enc.inputNames).toEqual(['x', 'y']);
    const n = 3;
    const x = new Rng(1).fillUniform(new Float32Array(n * 784));
    const y = new Float32Array(n * 10);
    const labels = Int32Array.of(2, 5, 7);
    labels.forEach((l, i) => (y[i * 10 + l] = 1));
    const codes = await enc.run({ x: new ort.Tensor('float32', x, [n, 1, 28, 28]), y: new ort.Tensor('float32', y, [n, 10]) });
    const xhat = await dec.run({ z: codes['z']!, y: new ort.Tensor('float32', y, [n, 10]) });
    expect(xhat['xhat']!.dims).toEqual([n, 1, 28, 28]);
    const codec = await openCodec(run, { backend: nodeBackend, threads: 1 });
    const want = await codec.encode(x, n, labels);
    const wantX = await codec.decode(want['z']!, n, labels);
    await codec.release();
    const z = codes['z']!.data as Float32Array;
    for (let i = 0; i < z.length; i++) expect(Math.abs(z[i]! - want['z']![i]!)).toBeLessThan(1e-5);
    const xs = xhat['xhat']!.data as Float32Array;
    for (let i = 0; i < xs.length; i++) expect(Math.abs(xs[i]! - wantX[i]!)).toBeLessThan(1e-5);
  }, 60_000);

  it('eval --iw 5 gives an importance-weighted bound below the test loss (the ELBO), and sample --class 4 draws class 4 only', async () => {
    const s = await evalRun({ dir: cvae, iw: 5, probe: false, backend: nodeBackend, threads: 2 });
    const bound = s.test['iwae_nll_k5']!;
    expect(bound).toBeLessThan(s.test['loss']!);
    expect(bound).toBeGreaterThan(s.test['loss']! - 40);
    const out = join(tmp, 'four.npy');
    const r = await sampleRun({ dir: cvae, n: 10, class: 4, npy: out, out: join(tmp, 'four.png') });
    expect(r.out).toBe(join(tmp, 'four.png'));
    expect(readFileSync(out).length).toBeGreaterThan(10 * 784 * 4);
  }, 60_000);
});

describe('conv families on RGB images of any size', () => {
  const rgbDir = join(tmp, 'rgb-run');
  let rgbData: string;
  let grayData: string;
  beforeAll(async () => {
    rgbData = pngFolder('rgb', true, 12, 10, 40);
    grayData = pngFolder('gray', false, 12, 10, 20);
    await trainRun({ report: false, model: { family: 'conv-vae', ...small }, train: { epochs: 1, batchSize: 16 }, data: { spec: rgbData }, out: rgbDir, threads: 2 });
  }, 120_000);

  it('a conv VAE on a 12×10 RGB PNG folder reads [3, 12, 10] samples and embeds them', async () => {
    expect((await loadRun(rgbDir)).model.inputShape).toEqual([3, 12, 10]);
    expect((await embedRun({ dir: rgbDir })).k).toBe(3);
  }, 60_000);

  it('eval of grayscale data on the RGB model is one line naming the input layer, both shapes and the fix', async () => {
    expect(await errorOf(() => evalRun({ dir: rgbDir, data: grayData, backend: nodeBackend, threads: 1 }))).toBe(
      `eval: ${grayData} [test] has grayscale 12×10 images [1, 12, 10], but the conv-vae model's input layer takes RGB 12×10 images [3, 12, 10]; give it data shaped like its training data, or train a model on ${grayData}`,
    );
  });

  it('embed of a run whose data folder became grayscale is the same one line', async () => {
    const copy = join(tmp, 'rgb-run-regray');
    await trainRun({ report: false, model: { family: 'conv-ae', ...small }, train: { epochs: 1, batchSize: 16 }, data: { spec: pngFolder('swap', true, 12, 10, 10) }, out: copy, threads: 1 });
    rmSync(join(tmp, 'swap'), { recursive: true });
    pngFolder('swap', false, 12, 10, 10);
    expect(await errorOf(() => embedRun({ dir: copy }))).toMatch(/^.*rgb-run-regray: .*swap \[train\] has grayscale 12×10 images \[1, 12, 10\], but the conv-ae model's input layer takes RGB 12×10 images \[3, 12, 10\]; give it data shaped like its training data/);
  }, 60_000);
});

describe('conv flags that cannot fit', () => {
  it('a kernel larger than the image, and too many layers for it, fail before training in one line', async () => {
    expect(await errorOf(() => trainRun({ report: false, model: { family: 'conv-vae', kernel: 29 }, train: { epochs: 1 }, data: { spec: 'mnist', limit: 100 }, out: join(tmp, 'k29') }))).toBe(
      'conv layer 1 of 2 (1→32 channels): kernel 29×29 is larger than its 28×28 input (image 1×28×28, channels 32,64); use a kernel of at most 28',
    );
    expect(await errorOf(() => trainRun({ report: false, model: { family: 'conv-ae', conv: [4, 4, 4, 4, 4, 4] }, train: { epochs: 1 }, data: { spec: 'mnist', limit: 100 }, out: join(tmp, 'deep') }))).toMatch(
      /^conv layer 5 of 6 \(4→4 channels\): kernel 3×3 is larger than its 2×2 input \(image 1×28×28, channels 4,4,4,4,4,4\); use at most 4 layers/,
    );
  });
});

describe('--batch-norm on a conv VAE', () => {
  const run = join(tmp, 'conv-vae-bn');
  beforeAll(async () => {
    await trainRun({ report: false, model: { family: 'conv-vae', ...small, batchNorm: true }, train: { epochs: 1, batchSize: 64 }, data: { spec: 'mnist', limit: 600 }, out: run, threads: 2 });
  }, 120_000);

  it('trains running statistics into the checkpoint; codes use them, so a sample encodes alike alone or in any batch, and the export matches the codec', async () => {
    const loaded = await loadRun(run);
    const means = loaded.params.specs.filter((s) => s.name.endsWith('running_mean')).map((s) => loaded.params.get(s.name));
    expect(means.length).toBe(4); // two encoder convs, two decoder upsampling layers
    // Running means start at 0 and take 0.1 of each batch's mean: after 10 steps they are far from 0.
    for (const m of means) expect(Math.max(...Array.from(m, Math.abs))).toBeGreaterThan(1e-3);
    const n = 4;
    const x = new Rng(7).fillUniform(new Float32Array(n * 784));
    const codec = await openCodec(loaded, { backend: nodeBackend, threads: 1 });
    const together = (await codec.encode(x, n))['z']!;
    const alone = (await codec.encode(x.subarray(0, 784), 1))['z']!;
    await codec.release();
    // With batch statistics, sample 0's code would depend on the three others.
    for (let j = 0; j < 3; j++) expect(Math.abs(alone[j]! - together[j]!)).toBeLessThan(1e-5);
    const { files } = await exportRun(run);
    const enc = await ort.InferenceSession.create(files[0]!);
    const z = (await enc.run({ x: new ort.Tensor('float32', x, [n, 1, 28, 28]) }))['z']!.data as Float32Array;
    for (let i = 0; i < z.length; i++) expect(Math.abs(z[i]! - together[i]!)).toBeLessThan(1e-5);
  }, 60_000);

  it('vaegan refuses it in one line, before any work', async () => {
    const err = await trainRun({ report: false, model: { family: 'vaegan', batchNorm: true }, train: { epochs: 1 }, data: { spec: 'mnist', limit: 100 }, out: join(tmp, 'vaegan-bn') }).then(() => undefined, (e: unknown) => e as Error);
    // The schema's message (the CLI prints a config error as one line `--batch-norm: …`).
    expect(err?.message).toMatch(/vaegan does not take --batch-norm: its decoder runs twice per training step/);
    expect(existsSync(join(tmp, 'vaegan-bn'))).toBe(false);
  });
});
