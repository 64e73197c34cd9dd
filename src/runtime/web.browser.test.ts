/**
 * The onnxruntime-web back end in real headless Chromium (Debian `chromium` via playwright-core;
 * skipped with the reason where it is missing and cannot be installed). The page
 * (web/engine/page.ts, served cross-origin isolated by test-support/engine-page.ts) trains the
 * reference VAE (the registry's vae defaults, 784-400-20, as `latentkit train` writes them) for
 * one epoch of 10 steps (1,280 digits, batch 128, seed 1) on the web back end (2 wasm threads), and Node trains
 * the same on onnxruntime-node:
 * - the 10 losses agree within 1e-4 relative (the arithmetic is the same; only the kernels differ);
 * - the page's checkpoint, put in a run directory with the CLI run's config.json, is read by
 *   `latentkit eval`, whose test loss matches that of Node's checkpoint within 1e-4 relative, and
 *   by `latentkit train --resume` (one more epoch: the same within 1e-4) and `latentkit export`;
 * - a checkpoint written by `latentkit train` loads in the page, whose evaluation of it matches
 *   Node's within 1e-4 relative;
 * - the page logs no errors and reaches nothing but its own server.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../data/mnist.js';
import { subset } from '../data/ops.js';
import { getFamily } from '../models/registry.js';
import { findOrInstallChromium, launchChromium } from '../test-support/chromium.js';
import { ensureDistBuilt, expectOk, latentkit } from '../test-support/cli-harness.js';
import type { EngineApi, EngineInfo, TrainRequest } from '../test-support/engine-api.js';
import { type EnginePage, serveEnginePage } from '../test-support/engine-page.js';
import { CHECKPOINT_FILE, decodeCheckpoint, encodeCheckpoint, restoreState } from '../train/checkpoint.js';
import { Trainer } from '../train/trainer.js';
import { nodeBackend } from './node.js';

const TOL = 1e-4;
const ROWS = 1280;
const BATCH = 128;
const tmp = mkdtempSync(join(tmpdir(), 'latentkit-web-backend-'));
const cliRun = join(tmp, 'cli');

const digits = loadBundledMnist();
const train = subset(digits.train, ROWS);
const test = subset(digits.test, 500);

let chromium: string | null = null;
let browser: Browser | undefined;
let server: EnginePage | undefined;
let page: Page | undefined;
const errors: string[] = [];
const external: string[] = [];
let info: EngineInfo;
/** config.json's `model` of a `latentkit train` run of the defaults (the page and Node build the same model from it). */
let modelConfig: { family: string };

/** Calls `window.latentkitEngine[method](arg)` in the page. */
function engine<M extends keyof EngineApi>(method: M, arg: Parameters<EngineApi[M]>[0]): ReturnType<EngineApi[M]> {
  return page!.evaluate(({ method, arg }) => (globalThis as unknown as { latentkitEngine: Record<string, (a: unknown) => unknown> }).latentkitEngine[method]!(arg), { method, arg }) as ReturnType<EngineApi[M]>;
}

beforeAll(async () => {
  chromium = await findOrInstallChromium();
  if (chromium === null) return;
  ensureDistBuilt();
  expectOk(await latentkit(['train', '--epochs', '1', '--limit', String(ROWS), '--seed', '1', '--threads', '1', '--no-report', '--quiet', '--out', cliRun], tmp));
  modelConfig = (JSON.parse(readFileSync(join(cliRun, 'config.json'), 'utf8')) as { model: { family: string } }).model;
  server = await serveEnginePage({ entry: 'web/engine/page.ts', data: { train: train.x, test: test.x } });
  browser = await launchChromium(chromium);
  page = await browser.newPage();
  const origin = new URL(server.url).origin;
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('request', (r) => !r.url().startsWith(`${origin}/`) && external.push(r.url()));
  await page.goto(server.url);
  await page.waitForFunction(() => 'latentkitEngine' in globalThis, null, { timeout: 30_000 });
  info = await engine('init', { threads: 2 }); // the threaded path (the default on 2 cores is 1 thread)
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The same training in Node on onnxruntime-node: losses per step and the trainer (caller releases it). */
async function nodeTraining(): Promise<{ losses: number[]; trainer: Trainer }> {
  const family = getFamily(modelConfig.family);
  const trainer = await Trainer.create(family.create(family.parse(modelConfig)), { backend: nodeBackend, batchSize: BATCH, seed: 1, threads: 1, optimizer: { kind: 'adam', lr: 1e-3 } });
  const losses: number[] = [];
  await trainer.trainEpoch(train, 1, (e) => losses.push(e.terms['loss']!));
  return { losses, trainer };
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('the web back end in Chromium', () => {
  it('runs wasm with threads when the page is cross-origin isolated', ({ skip }) => {
    if (!page) return skip('chromium not available');
    expect(info.name).toBe('web-wasm');
    expect(info.crossOriginIsolated).toBe(true);
    expect(info.threads).toBe(2);
    expect(info.threadsNote).toBeNull();
    console.log(`web back end: ${info.name}, ${info.threads} threads`);
  });

  it('trains the reference VAE for 10 steps with the losses of onnxruntime-node (1e-4), and its checkpoint is read by `latentkit eval`, `train --resume` and `export`', async ({ skip }) => {
    if (!page) return skip('chromium not available');
    const request: TrainRequest = { model: modelConfig, data: 'train', dim: 784, seed: 1, batchSize: BATCH, lr: 1e-3, epochs: 1 };
    const web = await engine('train', request);
    const { losses, trainer } = await nodeTraining();
    let nodeBytes: Uint8Array;
    try {
      nodeBytes = await encodeCheckpoint(trainer.state.snapshot(), trainer.progress, modelConfig.family);
    } finally {
      await trainer.release();
    }
    expect(web.losses.length).toBe(ROWS / BATCH);
    expect(losses.length).toBe(ROWS / BATCH);
    const worst = Math.max(...web.losses.map((l, i) => relative(l, losses[i]!)));
    console.log(`first losses web ${web.losses.slice(0, 3).map((l) => l.toFixed(4)).join(', ')} vs node ${losses.slice(0, 3).map((l) => l.toFixed(4)).join(', ')}; worst relative difference over 10 steps ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(TOL);
    expect(web.losses.at(-1)!).toBeLessThan(web.losses[0]!);

    // The page's checkpoint in a run directory of the CLI's config: `latentkit eval` reads it.
    const webBytes = new Uint8Array(Buffer.from(web.checkpoint, 'base64'));
    expect((await decodeCheckpoint(webBytes, 'page', { family: 'vae' })).progress).toMatchObject({ epoch: 1, step: ROWS / BATCH });
    const evalOf = async (name: string, bytes: Uint8Array): Promise<number> => {
      const dir = join(tmp, name);
      mkdirSync(dir);
      copyFileSync(join(cliRun, 'config.json'), join(dir, 'config.json'));
      writeFileSync(join(dir, CHECKPOINT_FILE), bytes);
      const r = await latentkit(['eval', dir, '--no-probe', '--threads', '1', '--json'], tmp);
      expectOk(r);
      return (JSON.parse(r.stdout) as { test: { loss: number } }).test.loss;
    };
    const [webLoss, nodeLoss] = await Promise.all([evalOf('from-page', webBytes), evalOf('from-node', nodeBytes)]);
    console.log(`latentkit eval: test loss ${webLoss.toFixed(5)} (page checkpoint) vs ${nodeLoss.toFixed(5)} (node checkpoint)`);
    expect(relative(webLoss, nodeLoss)).toBeLessThan(TOL);

    // `latentkit train --resume` continues from it (one more epoch in Node), as from Node's own; `export` writes its models.
    const resume = async (name: string): Promise<number> => {
      expectOk(await latentkit(['train', '--resume', join(tmp, name), '--epochs', '2', '--threads', '1', '--no-report', '--quiet'], tmp));
      const last = readFileSync(join(tmp, name, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!;
      const m = JSON.parse(last) as { epoch: number; test: { loss: number } };
      expect(m.epoch).toBe(2);
      return m.test.loss;
    };
    const [webResumed, nodeResumed] = await Promise.all([resume('from-page'), resume('from-node')]);
    console.log(`latentkit train --resume, epoch 2 test loss: ${webResumed.toFixed(5)} (from the page's checkpoint) vs ${nodeResumed.toFixed(5)} (from Node's)`);
    expect(relative(webResumed, nodeResumed)).toBeLessThan(TOL);
    expectOk(await latentkit(['export', join(tmp, 'from-page')], tmp));
    expect(readFileSync(join(tmp, 'from-page', 'export', 'model.json'), 'utf8')).toContain('"encoder"');
  }, 180_000);

  it('a checkpoint written by `latentkit train` loads in the page and evaluates as in Node (1e-4)', async ({ skip }) => {
    if (!page) return skip('chromium not available');
    const bytes = readFileSync(join(cliRun, CHECKPOINT_FILE));
    const web = await engine('evaluate', { model: modelConfig, checkpoint: bytes.toString('base64'), data: 'test', dim: 784 });
    const family = getFamily(modelConfig.family);
    const trainer = await Trainer.create(family.create(family.parse(modelConfig)), { backend: nodeBackend, batchSize: BATCH, seed: 0, threads: 1, optimizer: { kind: 'adam', lr: 1e-3 } });
    try {
      const ckpt = await decodeCheckpoint(bytes, CHECKPOINT_FILE, { family: 'vae' });
      restoreState(trainer.state, ckpt, CHECKPOINT_FILE);
      trainer.restoreProgress(ckpt.progress);
      const node = await trainer.evaluate(test);
      expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
      for (const k of Object.keys(node)) expect(relative(web[k]!, node[k]!), k).toBeLessThan(TOL);
      console.log(`CLI checkpoint evaluated in the page: loss ${web['loss']!.toFixed(5)} vs node ${node['loss']!.toFixed(5)}`);
    } finally {
      await trainer.release();
    }
  }, 60_000);

  it('the page logged no errors and made no request outside its server', ({ skip }) => {
    if (!page) return skip('chromium not available');
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  });
});
