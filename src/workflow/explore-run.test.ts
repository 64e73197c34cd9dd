/**
 * `latentkit explore` without a browser: the bundle's contents on a tiny trained run, its
 * cache, the server (127.0.0.1, cross-origin isolation headers, path traversal → 404) and the
 * one-line errors of the real CLI (no checkpoint, port in use, --static target exists).
 * The page itself is exercised in explore-run.browser.test.ts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt, expectUserError, latentkit, snapshot } from '../test-support/cli-harness.js';
import { ensurePageBuilt } from '../test-support/web-build.js';
import { MANIFEST_FILE } from './explore-bundle.js';
import type { ExploreManifest } from './explore-manifest.js';
import { exploreServe, exploreStatic, type ServingExplorer } from './explore-run.js';
import { isPlainPath } from './explore-server.js';
import { encodeSplit, openLatent } from './latent-context.js';
import { loadRun } from './load-run.js';
import { loadRunSplit } from './run-split.js';
import { trainRun } from './train-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-explore-'));
const run = join(tmp, 'vae2');

beforeAll(async () => {
  await ensurePageBuilt();
  ensureDistBuilt();
  await trainRun({ model: { family: 'vae', latent: 2, hidden: [32] }, train: { epochs: 1 }, data: { spec: 'mnist', limit: 512 }, threads: 1, out: run, report: false });
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A file's bytes in an ArrayBuffer of their own (a Buffer may view a larger pool). */
function bytes(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** GET with the path sent byte for byte (fetch would normalise `/../`). */
function rawGet(url: string, path: string, hostHeader?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', ...(hostHeader && { headers: { host: hostHeader } }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('explore bundle', () => {
  it('holds the codes, map, labels and thumbnails of the test split, the export and the metrics', async () => {
    const out = join(tmp, 'static-contents');
    const { bundle } = await exploreStatic({ dir: run, out, threads: 1 });
    const dir = join(out, 'run');
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ExploreManifest;
    const test = loadRunSplit(await loadRun(run)).test;
    expect(m.points).toMatchObject({ count: test.n, split: 'test', method: 'identity' });
    expect(bundle.points).toBe(test.n);
    expect(m).toMatchObject({ family: 'vae', latentDim: 2, numClasses: 0, code: 'mu', image: { channels: 1, height: 28, width: 28 }, prior: { kind: 'normal' } });
    const codes = new Float32Array(bytes(join(dir, 'codes.f32')));
    const xy = new Float32Array(bytes(join(dir, 'map.f32')));
    expect(codes.length).toBe(2 * test.n);
    expect(Array.from(xy)).toEqual(Array.from(codes)); // a 2-D latent is its own map
    const labels = new Int32Array(bytes(join(dir, 'labels.i32')));
    expect(Array.from(labels)).toEqual(Array.from(test.labels!));
    const thumbs = readFileSync(join(dir, 'thumbs.u8'));
    expect(thumbs.length).toBe(test.n * 784);
    for (const i of [0, 7, test.n - 1]) {
      const want = Array.from(test.x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
      expect(Array.from(thumbs.subarray(i * 784, (i + 1) * 784))).toEqual(want);
    }
    // activity order: the dimension with the larger variance first
    const variance = [0, 1].map((d) => {
      const v = Array.from({ length: test.n }, (_, i) => codes[2 * i + d]!);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    });
    expect(m.dims.order).toEqual(variance[0]! >= variance[1]! ? [0, 1] : [1, 0]);
    expect(m.mixture.dim).toBe(2);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toBe(readFileSync(join(run, 'metrics.jsonl'), 'utf8'));
    for (const f of ['encoder.onnx', 'decoder.onnx', 'model.json']) expect(existsSync(join(dir, f)), f).toBe(true);
    for (const f of ['index.html', 'ort/ort-wasm-simd-threaded.wasm', 'ort/ort-wasm-simd-threaded.mjs']) expect(existsSync(join(out, f)), f).toBe(true);
  }, 60_000);
});

describe('explore bundle of --split all', () => {
  it('maps train then test rows: labels, thumbnails and codes (μ) line up with the splits', async () => {
    const out = join(tmp, 'static-all');
    await exploreStatic({ dir: run, out, split: 'all', threads: 1 });
    const dir = join(out, 'run');
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ExploreManifest;
    const { train, test } = loadRunSplit(await loadRun(run));
    expect(m.points).toMatchObject({ count: train.n + test.n, split: 'all', method: 'identity' });
    const labels = new Int32Array(bytes(join(dir, 'labels.i32')));
    expect(Array.from(labels)).toEqual([...train.labels!, ...test.labels!]);
    const thumbs = readFileSync(join(dir, 'thumbs.u8'));
    for (const [i, ds, r] of [[0, train, 0], [train.n - 1, train, train.n - 1], [train.n, test, 0], [train.n + test.n - 1, test, test.n - 1]] as const) {
      expect(Array.from(thumbs.subarray(i * 784, (i + 1) * 784)), `point ${i}`).toEqual(Array.from(ds.x.subarray(r * 784, (r + 1) * 784), (v) => Math.round(v * 255)));
    }
    const codes = new Float32Array(bytes(join(dir, 'codes.f32')));
    const ctx = await openLatent({ dir: run, threads: 1 });
    const testOnly = (await encodeSplit(ctx, 'test')).posterior!.mu;
    await ctx.release();
    const tail = codes.subarray(2 * train.n);
    expect(tail.length).toBe(testOnly.length);
    expect(Math.max(...tail.map((v, i) => Math.abs(v - testOnly[i]!)))).toBeLessThan(1e-6); // batches of the encoder differ
  }, 60_000);
});

describe('explore bundle across families', () => {
  it('an AAE with a uniform prior ships draws from its prior; a 1-D AE (no prior) is mapped as (z, 0) with only the mixture', async () => {
    const aae = join(tmp, 'aae3');
    const ae = join(tmp, 'ae1');
    const common = { train: { epochs: 1 }, data: { spec: 'mnist', limit: 256 }, threads: 1, report: false } as const;
    await trainRun({ ...common, model: { family: 'aae', latent: 3, hidden: [32], prior: 'uniform' }, out: aae });
    await trainRun({ ...common, model: { family: 'ae', latent: 1, hidden: [32] }, out: ae });

    const a = await exploreStatic({ dir: aae, out: join(tmp, 'static-aae'), threads: 1 });
    const am = JSON.parse(readFileSync(join(a.out, 'run', MANIFEST_FILE), 'utf8')) as ExploreManifest;
    expect(am).toMatchObject({ family: 'aae', code: 'z', latentDim: 3, points: { method: 'pca' }, prior: { kind: 'draws', file: 'prior.f32', labels: null } });
    const draws = new Float32Array(bytes(join(a.out, 'run', 'prior.f32')));
    expect(draws.length).toBe(3 * (am.prior as { count: number }).count);
    // the map is the PCA plane the manifest describes: xy = W(z − μ)
    const aCodes = new Float32Array(bytes(join(a.out, 'run', 'codes.f32')));
    const aXy = new Float32Array(bytes(join(a.out, 'run', 'map.f32')));
    const plane = am.plane!;
    for (let i = 0; i < am.points.count; i += 37) {
      for (const c of [0, 1]) {
        const p = plane.components[c]!.reduce((s, w, d) => s + w * (aCodes[3 * i + d]! - plane.mean[d]!), 0);
        expect(Math.abs(p - aXy[2 * i + c]!)).toBeLessThan(1e-4);
      }
    }
    const bound = Math.sqrt(3);
    expect(draws.every((v) => v >= -bound && v <= bound)).toBe(true); // U[−√3, √3]
    expect(Math.max(...draws) - Math.min(...draws)).toBeGreaterThan(bound); // spread over the box, not one value

    const b = await exploreStatic({ dir: ae, out: join(tmp, 'static-ae'), threads: 1 });
    const bm = JSON.parse(readFileSync(join(b.out, 'run', MANIFEST_FILE), 'utf8')) as ExploreManifest;
    expect(bm).toMatchObject({ family: 'ae', latentDim: 1, points: { method: 'identity' }, plane: null, prior: { kind: 'none' }, mixture: { dim: 1 } });
    const codes = new Float32Array(bytes(join(b.out, 'run', 'codes.f32')));
    const xy = new Float32Array(bytes(join(b.out, 'run', 'map.f32')));
    expect(Array.from(xy.filter((_, i) => i % 2 === 0))).toEqual(Array.from(codes));
    expect(xy.filter((_, i) => i % 2 === 1).every((v) => v === 0)).toBe(true);
  }, 120_000);
});

describe('explore cache', () => {
  it('binds 127.0.0.1 by default and caches the bundle in the run until the checkpoint changes', async () => {
    const serving = await exploreServe({ dir: run, port: 0, threads: 1 });
    const address = serving.server.server.address();
    await serving.server.close();
    expect(serving.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(serving.bundle.out).toBe(join(run, 'explore', 'test-pca-seed0'));
    const again = await exploreServe({ dir: run, port: 0, threads: 1 });
    await again.server.close();
    expect(again.bundle.reused).toBe(true);
    const t = new Date(Date.now() + 5000);
    utimesSync(join(run, 'checkpoint.safetensors'), t, t);
    const rebuilt = await exploreServe({ dir: run, port: 0, threads: 1 });
    await rebuilt.server.close();
    expect(rebuilt.bundle.reused).toBe(false);
  }, 60_000);
});

describe('explore server', () => {
  let serving: ServingExplorer;
  beforeAll(async () => {
    serving = await exploreServe({ dir: run, port: 0, threads: 1 });
  }, 60_000);
  afterAll(() => serving?.server.close());

  it('serves the page and the bundle with the cross-origin isolation headers', async () => {
    for (const path of ['/', '/index.html', '/run/manifest.json', '/run/decoder.onnx', '/ort/ort-wasm-simd-threaded.wasm']) {
      const r = await rawGet(serving.url, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['cross-origin-opener-policy'], path).toBe('same-origin');
      expect(r.headers['cross-origin-embedder-policy'], path).toBe('require-corp');
    }
    expect((await rawGet(serving.url, '/ort/ort-wasm-simd-threaded.wasm')).headers['content-type']).toBe('application/wasm');
    const manifest = JSON.parse((await rawGet(serving.url, '/run/manifest.json')).body.toString('utf8')) as ExploreManifest;
    expect(manifest.run).toBe('vae2');
  });

  it('answers only Host headers naming a loopback address on its port (no DNS rebinding)', async () => {
    const port = new URL(serving.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) expect((await rawGet(serving.url, '/run/manifest.json', host)).status, host).toBe(200);
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`]) {
      const r = await rawGet(serving.url, '/run/manifest.json', host);
      expect(r.status, host).toBe(403);
      expect(r.body.toString('utf8')).not.toContain('"latentkit"');
    }
  });

  it('answers 404 to path traversal in every spelling, and to files outside the page and bundle', async () => {
    const attempts = [
      '/../config.json',
      '/run/../../config.json',
      '/run/%2e%2e/config.json',
      '/run/%2E%2E/%2e%2e/config.json',
      '/run/..%2fconfig.json',
      '/run/%2e%2e%2fcheckpoint.safetensors',
      '/run/..%5cconfig.json',
      '/run/..\\config.json',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/run/%252e%252e/config.json',
      '/run/./manifest.json',
      '/run/%c0%ae%c0%ae/config.json',
      '/run/%00manifest.json',
      '/config.json',
      '/checkpoint.safetensors',
      '/run/config.json',
      '/run/checkpoint.safetensors',
      '/etc/passwd',
    ];
    for (const path of attempts) {
      const r = await rawGet(serving.url, path);
      expect(r.status, path).toBe(404);
      expect(r.body.toString('utf8'), path).not.toContain('"latentkit"');
      expect(r.headers['cross-origin-embedder-policy'], path).toBe('require-corp');
    }
    expect(isPlainPath('/run/manifest.json')).toBe(true);
    expect(isPlainPath('/run/a%20b.json')).toBe(true);
    expect(isPlainPath('/run/%E0%A4%A.json')).toBe(false); // malformed escape
  });
});

describe('explore CLI: bad input, one line each, nothing written', () => {
  it('a run with no checkpoint', async () => {
    const bare = join(tmp, 'bare');
    mkdirSync(bare);
    copyFileSync(join(run, 'config.json'), join(bare, 'config.json'));
    const before = snapshot(bare);
    expectUserError(await latentkit(['explore', bare, '--port', '0'], tmp), 'has no checkpoint');
    expect(snapshot(bare)).toEqual(before);
  });

  it('flags that need a run, given without one', async () => {
    expectUserError(await latentkit(['explore', '--static', join(tmp, 'train-only')], tmp), '--static needs a run: latentkit explore RUN');
    expectUserError(await latentkit(['explore', '--method', 'umap', '--port', '0'], tmp), '--method needs a run: latentkit explore RUN');
    expect(existsSync(join(tmp, 'train-only'))).toBe(false);
  });

  it('a --host that is no local address', async () => {
    expectUserError(await latentkit(['explore', run, '--host', '192.0.2.1', '--port', '0'], tmp), 'cannot listen on --host 192.0.2.1');
  });

  it('a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const line = expectUserError(await latentkit(['explore', run, '--port', String(port)], tmp), `port ${port} is in use; pass --port`);
      expect(line).toBe(`latentkit: error: port ${port} is in use; pass --port`);
    } finally {
      blocker.close();
    }
  });

  it('a --static target that exists, unless --force (which replaces only an earlier explorer folder)', async () => {
    const target = join(tmp, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'mine');
    expectUserError(await latentkit(['explore', run, '--static', target], tmp), 'already exists; pass --force');
    expectUserError(await latentkit(['explore', run, '--static', target, '--force'], tmp), 'not an earlier explorer folder');
    expect(snapshot(target)).toEqual({ 'notes.txt': snapshot(target)['notes.txt'] });
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('mine');
    const fresh = join(tmp, 'fresh');
    const ok = await latentkit(['explore', run, '--static', fresh, '--threads', '1'], tmp);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n').pop()).toBe(fresh);
    expectUserError(await latentkit(['explore', run, '--static', fresh], tmp), 'already exists; pass --force');
    const forced = await latentkit(['explore', run, '--static', fresh, '--force', '--threads', '1'], tmp);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(fresh, 'run', MANIFEST_FILE))).toBe(true);
  }, 60_000);
});
