/**
 * A test and bench page for the engine (issue 9): latentkit's portable core (src/browser.ts) on
 * onnxruntime-web, driven from Node through `window.latentkitEngine` (playwright's
 * page.evaluate). The server (src/test-support/engine-page.ts) serves this bundle, ORT-web's
 * runtime files under `ort/`, and the rows to train on as raw float32 under `data/<name>.f32`.
 * Bytes cross the page boundary as base64.
 */
import {
  createWebBackend,
  decodeCheckpoint,
  encodeCheckpoint,
  getFamily,
  restoreState,
  Trainer,
  type Dataset,
  type WebBackend,
} from '../../src/browser.js';
import type { EngineApi } from '../../src/test-support/engine-api.js';

let backend: WebBackend | undefined;
const rowsCache = new Map<string, Float32Array>();

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unbase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function dataset(name: string, dim: number): Promise<Dataset> {
  let x = rowsCache.get(name);
  if (!x) {
    const res = await fetch(new URL(`data/${name}.f32`, document.baseURI));
    if (!res.ok) throw new Error(`data/${name}.f32: HTTP ${res.status}`);
    x = new Float32Array(await res.arrayBuffer());
    rowsCache.set(name, x);
  }
  return { name, n: x.length / dim, sampleShape: [dim], x };
}

function requireBackend(): WebBackend {
  if (!backend) throw new Error('call init first');
  return backend;
}

async function newTrainer(model: unknown, opts: { seed: number; batchSize: number; lr: number; spin?: boolean; stepsPerRun?: number }): Promise<{ trainer: Trainer; family: string }> {
  const raw = model as { family: string };
  const family = getFamily(raw.family);
  const m = family.create(family.parse(raw));
  const trainer = await Trainer.create(m, {
    backend: requireBackend(),
    batchSize: opts.batchSize,
    seed: opts.seed,
    optimizer: { kind: 'adam', lr: opts.lr },
    ...(opts.spin !== undefined && { spin: opts.spin }),
    ...(opts.stepsPerRun !== undefined && { stepsPerRun: opts.stepsPerRun }),
  });
  return { trainer, family: m.family };
}

const api: EngineApi = {
  async init(opts) {
    backend ??= await createWebBackend({ wasmPaths: new URL('ort/', document.baseURI).href, ...opts });
    return { name: backend.name, threads: backend.threads, crossOriginIsolated: backend.crossOriginIsolated, threadsNote: backend.threadsNote ?? null, deviceNote: backend.deviceNote ?? null };
  },

  async train(req) {
    const data = await dataset(req.data, req.dim);
    const { trainer, family } = await newTrainer(req.model, req);
    try {
      if (req.resume !== undefined) {
        const ckpt = await decodeCheckpoint(unbase64(req.resume), 'resume', { family });
        restoreState(trainer.state, ckpt, 'resume');
        trainer.restoreProgress(ckpt.progress);
      }
      const losses: number[] = [];
      let seconds = 0;
      let samples = 0;
      while (trainer.progress.epoch < req.epochs) {
        const t0 = performance.now();
        const r = await trainer.trainEpoch(data, req.epochs, (e) => losses.push(e.terms['loss']!));
        seconds += (performance.now() - t0) / 1000;
        samples += r.samples;
      }
      const checkpoint = await encodeCheckpoint(trainer.state.snapshot(), trainer.progress, family);
      return { losses, seconds, samples, checkpoint: base64(checkpoint) };
    } finally {
      await trainer.release();
    }
  },

  async evaluate(req) {
    const data = await dataset(req.data, req.dim);
    const { trainer, family } = await newTrainer(req.model, { seed: 0, batchSize: 128, lr: 1e-3 });
    try {
      const ckpt = await decodeCheckpoint(unbase64(req.checkpoint), 'node checkpoint', { family });
      restoreState(trainer.state, ckpt, 'node checkpoint');
      trainer.restoreProgress(ckpt.progress);
      return await trainer.evaluate(data);
    } finally {
      await trainer.release();
    }
  },
};

(globalThis as unknown as { latentkitEngine: EngineApi }).latentkitEngine = api;
