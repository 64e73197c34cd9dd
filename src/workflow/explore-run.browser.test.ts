/**
 * `latentkit explore` in real headless Chromium (Debian `chromium` via playwright-core;
 * installed where the tests run as root, skipped with the reason elsewhere). Two tiny runs
 * trained through the CLI: a 2-D VAE (its map is its latent space) and a 3-D conditional VAE
 * (PCA map, class picker). The explorer is started as the real command, and the page is
 * driven like a user: hover, sliders, clicks, interpolation, sampling, attribute α, a drawn
 * stroke. Every decoded or encoded value the page shows is checked against onnxruntime-node
 * running the same exported ONNX files (within 1e-4), and decoded canvases against those
 * values. Decode latency and pan frame times are printed; screenshots are kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrInstallChromium, launchChromium } from '../test-support/chromium.js';
import { BIN, ensureDistBuilt, expectOk, latentkit } from '../test-support/cli-harness.js';
import { ensurePageBuilt } from '../test-support/web-build.js';
import type { ExploreManifest } from './explore-manifest.js';
import { exploreStatic } from './explore-run.js';
import { listenExplorer } from './explore-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-explore-browser-'));
const shots = join(tmp, 'screenshots');
const runs = { vae: join(tmp, 'vae2'), cvae: join(tmp, 'cvae3'), caae: join(tmp, 'caae2') };
const TOL = 1e-4;

let chromiumPath: string | null = null;
let browser: Browser | undefined;

beforeAll(async () => {
  chromiumPath = await findOrInstallChromium();
  if (chromiumPath === null) return;
  await ensurePageBuilt();
  ensureDistBuilt();
  const common = ['--limit', '512', '--epochs', '1', '--no-report', '--threads', '1', '--quiet'];
  const trained = await Promise.all([
    latentkit(['train', '--model', 'vae', '--latent', '2', ...common, '--out', runs.vae], tmp),
    latentkit(['train', '--model', 'cvae', '--latent', '3', ...common, '--out', runs.cvae], tmp),
    latentkit(['train', '--model', 'aae', '--prior', 'mog', '--conditional', '--latent', '2', ...common, '--out', runs.caae], tmp),
  ]);
  for (const r of trained) expectOk(r);
  browser = await launchChromium(chromiumPath);
  console.log(`explorer screenshots: ${shots}`);
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

/** A running `latentkit explore RUN --port 0 --json`: its URL and bundle folder, read from stdout. */
async function startExplorer(run: string): Promise<{ url: string; bundle: string; child: ChildProcess; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'explore', run, '--port', '0', '--threads', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const { url, bundle } = await new Promise<{ url: string; bundle: string }>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.endsWith('\n')) resolve(JSON.parse(out) as { url: string; bundle: string });
    });
    child.on('exit', (code) => reject(new Error(`latentkit explore exited with ${code}: ${err}`)));
  });
  const stop = (): Promise<number | null> =>
    new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (code) => resolve(code));
      child.kill('SIGINT');
    });
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  return { url, bundle, child, stop };
}

interface Opened {
  readonly page: Page;
  readonly errors: string[];
  readonly external: string[];
}

async function openPage(url: string, opts: { waitReady?: boolean } = {}): Promise<Opened> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  const external: string[] = [];
  const origin = new URL(url).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(`${origin}/`) && !r.url().startsWith('data:')) external.push(r.url());
  });
  await page.goto(url);
  if (opts.waitReady !== false) {
    await page.waitForFunction(() => (window as any).__explorer?.ready || (window as any).__explorer?.error, null, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as any).__explorer.error)).toBeNull();
  }
  return { page, errors, external };
}

/** RGBA bytes of a canvas. */
function canvasPixels(page: Page, id: string): Promise<number[]> {
  return page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, id);
}

/** Moves a range input to `value` as a drag does: sets it and fires `input`. */
async function setRange(locator: ReturnType<Page['locator']>, value: number): Promise<void> {
  await locator.evaluate((e: HTMLInputElement, v: number) => {
    e.value = String(v);
    e.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

const idle = (page: Page): Promise<void> => page.evaluate(() => (window as any).__explorer.idle());
const probe = <T>(page: Page, key: string): Promise<T> => page.evaluate((key) => (window as any).__explorer[key], key);

function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The exported models of a bundle in onnxruntime-node (the reference the page must match). */
async function nodeModels(bundle: string, m: ExploreManifest) {
  const [enc, dec] = await Promise.all([ort.InferenceSession.create(join(bundle, 'encoder.onnx')), ort.InferenceSession.create(join(bundle, 'decoder.onnx'))]);
  const y = (labels: number[] | null, n: number): Record<string, ort.Tensor> => {
    if (m.numClasses === 0) return {};
    const v = new Float32Array(n * m.numClasses);
    for (let i = 0; i < n; i++) v[i * m.numClasses + labels![i]!] = 1;
    return { y: new ort.Tensor('float32', v, [n, m.numClasses]) };
  };
  return {
    async decode(z: number[], labels: number[] | null): Promise<Float32Array> {
      const n = z.length / m.latentDim;
      const out = await dec.run({ z: new ort.Tensor('float32', Float32Array.from(z), [n, m.latentDim]), ...y(labels, n) });
      return out['xhat']!.data as Float32Array;
    },
    async encode(x: number[], labels: number[] | null): Promise<Record<string, Float32Array>> {
      const n = x.length / m.inputShape.reduce((a, b) => a * b, 1);
      const out = await enc.run({ x: new ort.Tensor('float32', Float32Array.from(x), [n, ...m.inputShape]), ...y(labels, n) });
      return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
    },
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** The gray pixels a 28×28 decoded canvas must show for values v: round(clamp(v, 0, 1)·255). */
const grayOf = (v: ArrayLike<number>): number[] => Array.from(v, (x) => Math.round(Math.min(1, Math.max(0, x)) * 255));
const redChannel = (rgba: number[]): number[] => rgba.filter((_, i) => i % 4 === 0);

describe('explorer page in Chromium', () => {
  it('2-D VAE: loads clean; hover, sliders, click, interpolate, sample, attribute and drawing all match onnxruntime-node', async (ctx) => {
    if (chromiumPath === null) ctx.skip('chromium not available (see the warning above)');
    const server = await startExplorer(runs.vae);
    const bundle = server.bundle;
    const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as ExploreManifest;
    const ref = await nodeModels(bundle, m);
    const codes = readFloats(join(bundle, 'codes.f32'));
    const labels = new Int32Array(readFloats(join(bundle, 'labels.i32')).buffer);
    const thumbs = readFileSync(join(bundle, 'thumbs.u8'));
    const { page, errors, external } = await openPage(server.url);
    try {
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await page.locator('#model-card').innerText()).toMatch(/family\s+vae/);
      expect(await page.locator('#curves .curve').count()).toBeGreaterThan(0);

      // hover: the tooltip shows the hovered point's own image
      const target = 17;
      const at = await page.evaluate((i) => (window as any).__explorer.pointClient(i), target);
      await page.mouse.move(at.x, at.y);
      await page.waitForFunction(() => (window as any).__explorer.hovered >= 0);
      const hovered = await probe<number>(page, 'hovered');
      expect(Math.hypot(codes[2 * hovered]! - codes[2 * target]!, codes[2 * hovered + 1]! - codes[2 * target + 1]!)).toBeLessThan(0.05 * Math.max(...Array.from(codes, Math.abs)));
      expect(await page.locator('#tooltip').isVisible()).toBe(true);
      const thumb = redChannel(await canvasPixels(page, 'thumb'));
      expect(thumb).toEqual(Array.from(thumbs.subarray(hovered * 784, (hovered + 1) * 784)));
      expect(thumb.some((v) => v > 0)).toBe(true);
      await page.screenshot({ path: join(shots, 'vae2-hover.png') });

      // the first decode is point 0's code, and equals onnxruntime-node's decoder output
      let last = await probe<{ z: number[]; xhat: number[] }>(page, 'lastDecode');
      expect(maxAbsDiff(last.z, codes.subarray(0, 2))).toBe(0);
      expect(maxAbsDiff(last.xhat, await ref.decode(last.z, null))).toBeLessThan(TOL);
      expect(redChannel(await canvasPixels(page, 'decoded'))).toEqual(grayOf(last.xhat));

      // a slider: the decoded canvas changes, and still matches the reference decoder
      const before = await canvasPixels(page, 'decoded');
      const dim = m.dims.order[0]!;
      const slider = page.locator(`#sliders input[data-dim="${dim}"]`);
      const [lo, hi] = (await slider.evaluate((e: HTMLInputElement) => [Number(e.min), Number(e.max)])) as [number, number];
      await setRange(slider, lo + 0.9 * (hi - lo));
      await idle(page);
      const after = await canvasPixels(page, 'decoded');
      expect(after.filter((v, i) => v !== before[i]).length).toBeGreaterThan(20);
      last = await probe(page, 'lastDecode');
      expect(last.z[dim]).toBeCloseTo(lo + 0.9 * (hi - lo), 4);
      expect(maxAbsDiff(last.xhat, await ref.decode(last.z, null))).toBeLessThan(TOL);
      expect(redChannel(after)).toEqual(grayOf(last.xhat));

      // decode latency over 60 slider moves, measured in the page
      for (let s = 0; s < 60; s++) {
        await setRange(slider, lo + ((s % 20) / 20) * (hi - lo));
        await idle(page);
      }
      const latency = await page.evaluate(() => (window as any).__explorer.decodeLatency());
      console.log(`explorer decode latency (2-D VAE, hidden 400, 1 thread): median ${latency.median.toFixed(3)} ms, p95 ${latency.p95.toFixed(3)} ms over ${latency.count} decodes`);
      expect(latency.count).toBeGreaterThanOrEqual(60);
      expect(latency.median).toBeGreaterThan(0);

      // click on empty map space decodes the code under the cursor (the map is the latent space)
      const box = (await page.locator('#map').boundingBox())!;
      const corner = await page.evaluate(([x, y]) => (window as any).__explorer.mapAt(x, y), [box.x + 8, box.y + 8]);
      expect(corner.nearest).toBe(-1);
      await page.mouse.click(box.x + 8, box.y + 8);
      await idle(page);
      last = await probe(page, 'lastDecode');
      expect(last.z[0]).toBeCloseTo(corner.x, 4);
      expect(last.z[1]).toBeCloseTo(corner.y, 4);

      // interpolate between two picked points, slerp
      const pick = async (i: number): Promise<void> => {
        const p = await page.evaluate((i) => (window as any).__explorer.pointClient(i), i);
        await page.mouse.click(p.x, p.y);
        await idle(page);
      };
      await pick(3);
      const a = (await probe<{ z: number[] }>(page, 'lastDecode')).z;
      await page.click('#set-a');
      await pick(40);
      const b = (await probe<{ z: number[] }>(page, 'lastDecode')).z;
      await page.click('#set-b');
      await page.selectOption('#interp-mode', 'slerp');
      await page.fill('#interp-steps', '7');
      await page.click('#interpolate');
      await page.waitForFunction(() => (window as any).__explorer.lastInterpolation !== null);
      const interp = await probe<{ mode: string; steps: number; path: number[]; xhat: number[] }>(page, 'lastInterpolation');
      expect(interp).toMatchObject({ mode: 'slerp', steps: 7 });
      expect(maxAbsDiff(interp.path.slice(0, 2), a)).toBeLessThan(1e-6);
      expect(maxAbsDiff(interp.path.slice(12, 14), b)).toBeLessThan(1e-5);
      expect(maxAbsDiff(interp.xhat, await ref.decode(interp.path, null))).toBeLessThan(TOL);
      expect(await page.evaluate(() => (document.getElementById('strip') as HTMLCanvasElement).width)).toBe(7 * 28);
      // clicking the third tile makes its code the current one
      const strip = (await page.locator('#strip').boundingBox())!;
      await page.mouse.click(strip.x + strip.width * (2.5 / 7), strip.y + strip.height / 2);
      await idle(page);
      expect((await probe<{ z: number[] }>(page, 'lastDecode')).z).toEqual(interp.path.slice(4, 6));

      // sample from the prior
      await page.click('#sample');
      await page.waitForFunction(() => (window as any).__explorer.lastSamples !== null);
      const samples = await probe<{ source: string; z: number[]; xhat: number[] }>(page, 'lastSamples');
      expect(samples.source).toBe('normal');
      expect(samples.z).toHaveLength(16);
      expect(maxAbsDiff(samples.xhat, await ref.decode(samples.z, null))).toBeLessThan(TOL);

      // attribute vector 0 → 1 at α = 1: z = base + mean(codes of 1) − mean(codes of 0)
      await pick(5);
      const base = (await probe<{ z: number[] }>(page, 'lastDecode')).z;
      await page.selectOption('#attr-from', '0');
      await page.selectOption('#attr-to', '1');
      await setRange(page.locator('#attr-alpha'), 1);
      await idle(page);
      const mean = (l: number, d: number): number => {
        let s = 0;
        let c = 0;
        labels.forEach((x, i) => {
          if (x === l) [s, c] = [s + codes[2 * i + d]!, c + 1];
        });
        return s / c;
      };
      const edited = (await probe<{ z: number[] }>(page, 'lastDecode')).z;
      for (const d of [0, 1]) expect(edited[d]).toBeCloseTo(base[d]! + mean(1, d) - mean(0, d), 4);

      // draw a stroke, encode it: the code is the reference encoder's μ, and it lands on the map
      const pad = (await page.locator('#pad').boundingBox())!;
      await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.2);
      await page.mouse.down();
      for (let s = 1; s <= 12; s++) await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * (0.2 + (0.6 * s) / 12));
      await page.mouse.up();
      await page.click('#encode');
      await page.waitForFunction(() => (window as any).__explorer.lastEncode !== null);
      await idle(page);
      const enc = await probe<{ x: number[]; code: number[]; mapXY: [number, number] }>(page, 'lastEncode');
      expect(enc.x).toHaveLength(784);
      expect(enc.x.filter((v) => v > 0.5).length).toBeGreaterThan(10); // the stroke
      expect(enc.x.every((v) => v >= 0 && v <= 1)).toBe(true);
      const refCode = await ref.encode(enc.x, null);
      expect(maxAbsDiff(enc.code, refCode['mu']!)).toBeLessThan(TOL);
      expect(enc.mapXY).toEqual(enc.code);
      const recon = redChannel(await canvasPixels(page, 'recon'));
      expect(recon).toEqual(grayOf(await ref.decode(enc.code, null)));
      await page.screenshot({ path: join(shots, 'vae2-explorer.png'), fullPage: true });

      // wheel zoom keeps the point under the cursor in place and scales distances by exp(−Δy·0.0015); double click fits again
      const far = 40;
      const hoverAt = await page.evaluate((i) => (window as any).__explorer.pointClient(i), target);
      await page.mouse.move(hoverAt.x, hoverAt.y);
      const at0 = await page.evaluate(([i, j]) => [(window as any).__explorer.pointClient(i), (window as any).__explorer.pointClient(j)], [target, far]);
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(50);
      const at1 = await page.evaluate(([i, j]) => [(window as any).__explorer.pointClient(i), (window as any).__explorer.pointClient(j)], [target, far]);
      expect(Math.hypot(at1[0].x - at0[0].x, at1[0].y - at0[0].y)).toBeLessThan(2); // the cursor sits within a few px of the target
      const spread = (p: { x: number; y: number }[]): number => Math.hypot(p[1]!.x - p[0]!.x, p[1]!.y - p[0]!.y);
      expect(spread(at1) / spread(at0)).toBeCloseTo(Math.exp(0.3), 2);
      await page.mouse.dblclick(at1[0].x, at1[0].y);
      const at2 = await page.evaluate((j) => (window as any).__explorer.pointClient(j), far);
      expect(Math.hypot(at2.x - at0[1].x, at2.y - at0[1].y)).toBeLessThan(0.5);

      // panning redraws every point each frame
      const pan = await page.evaluate(() => (window as any).__explorer.benchPan(30));
      const sorted = [...pan.render].sort((x: number, y: number) => x - y);
      console.log(`explorer pan (${m.points.count} points): redraw median ${sorted[15].toFixed(2)} ms`);
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await page.close();
      expect(await server.stop()).toBe(0);
    }
  }, 180_000);

  it('conditional VAE, 3-D: PCA map, class picker feeds one-hot labels, matches onnxruntime-node', async (ctx) => {
    if (chromiumPath === null) ctx.skip('chromium not available (see the warning above)');
    const server = await startExplorer(runs.cvae);
    const bundle = server.bundle;
    const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as ExploreManifest;
    expect(m).toMatchObject({ family: 'cvae', latentDim: 3, numClasses: 10, points: { method: 'pca' } });
    const ref = await nodeModels(bundle, m);
    const { page, errors, external } = await openPage(server.url);
    try {
      expect(await page.locator('#class-picker').isVisible()).toBe(true);
      await page.selectOption('#class-picker', '3');
      await idle(page);
      const three = await probe<{ z: number[]; label: number; xhat: number[] }>(page, 'lastDecode');
      expect(three.label).toBe(3);
      expect(maxAbsDiff(three.xhat, await ref.decode(three.z, [3]))).toBeLessThan(TOL);
      const pixels3 = await canvasPixels(page, 'decoded');
      await page.selectOption('#class-picker', '8');
      await idle(page);
      const eight = await probe<{ z: number[]; label: number; xhat: number[] }>(page, 'lastDecode');
      expect(eight.label).toBe(8);
      expect(eight.z).toEqual(three.z);
      expect(maxAbsDiff(eight.xhat, await ref.decode(eight.z, [8]))).toBeLessThan(TOL);
      expect((await canvasPixels(page, 'decoded')).filter((v, i) => v !== pixels3[i]).length).toBeGreaterThan(20);
      // clicking empty space decodes the code at that spot of the PCA plane: z = μ + x·w₀ + y·w₁
      expect(await page.locator('#click-hint').innerText()).toContain('principal components');
      const box = (await page.locator('#map').boundingBox())!;
      const spot = await page.evaluate(([x, y]) => (window as any).__explorer.mapAt(x, y), [box.x + 10, box.y + 10]);
      expect(spot.nearest).toBe(-1);
      await page.mouse.click(box.x + 10, box.y + 10);
      await idle(page);
      const onPlane = await probe<{ z: number[]; label: number; xhat: number[] }>(page, 'lastDecode');
      const plane = m.plane!;
      for (let d = 0; d < 3; d++) expect(onPlane.z[d]).toBeCloseTo(plane.mean[d]! + spot.x * plane.components[0]![d]! + spot.y * plane.components[1]![d]!, 4);
      expect(maxAbsDiff(onPlane.xhat, await ref.decode(onPlane.z, [8]))).toBeLessThan(TOL);
      await page.screenshot({ path: join(shots, 'cvae3-explorer.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await page.close();
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it("conditional AAE: samples come from the model's prior draws of the picked class; its decoder takes no label", async (ctx) => {
    if (chromiumPath === null) ctx.skip('chromium not available (see the warning above)');
    const server = await startExplorer(runs.caae);
    const m = JSON.parse(readFileSync(join(server.bundle, 'manifest.json'), 'utf8')) as ExploreManifest;
    expect(m).toMatchObject({ family: 'aae', numClasses: 10, prior: { kind: 'draws', labels: 'prior-labels.i32' } });
    const draws = readFloats(join(server.bundle, 'prior.f32'));
    const drawLabels = new Int32Array(readFloats(join(server.bundle, 'prior-labels.i32')).buffer);
    const ref = await nodeModels(server.bundle, { ...m, numClasses: 0 }); // the exported decoder has no y input
    const { page, errors, external } = await openPage(server.url);
    try {
      await page.selectOption('#class-picker', '4');
      await page.selectOption('#sample-source', 'draws');
      await page.click('#sample');
      await page.waitForFunction(() => (window as any).__explorer.lastSamples !== null);
      const samples = await probe<{ source: string; z: number[]; xhat: number[] }>(page, 'lastSamples');
      expect(samples.source).toBe('draws');
      for (let i = 0; i < 8; i++) {
        const z = samples.z.slice(2 * i, 2 * i + 2);
        const row = Array.from(drawLabels.keys()).find((r) => draws[2 * r] === z[0] && draws[2 * r + 1] === z[1]);
        expect(row, `sample ${i} is one of the prior draws`).toBeDefined();
        expect(drawLabels[row!]).toBe(4);
      }
      expect(maxAbsDiff(samples.xhat, await ref.decode(samples.z, null))).toBeLessThan(TOL);
      expect((await probe<{ label: number | null }>(page, 'lastDecode')).label).toBeNull();
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await page.close();
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);

  it('a static folder whose decoder is missing shows a readable message, not a blank page', async (ctx) => {
    if (chromiumPath === null) ctx.skip('chromium not available (see the warning above)');
    const out = join(tmp, 'static-broken');
    await exploreStatic({ dir: runs.vae, out, threads: 1 });
    rmSync(join(out, 'run', 'decoder.onnx'));
    const server = await listenExplorer({ pageDir: out, host: '127.0.0.1', port: 0 });
    server.serve(join(out, 'run'));
    const { page } = await openPage(server.url, { waitReady: false });
    try {
      await page.waitForFunction(() => (window as any).__explorer?.error, null, { timeout: 60_000 });
      const message = page.locator('#message');
      expect(await message.isVisible()).toBe(true);
      expect(await message.innerText()).toMatch(/The model can't run in this page: decoder\.onnx is missing \(HTTP 404/);
      expect(await page.locator('#map-caption').innerText()).toContain('test codes'); // the map still shows
      await page.screenshot({ path: join(shots, 'missing-decoder.png') });
    } finally {
      await page.close();
      await server.close();
    }
  }, 120_000);
});
