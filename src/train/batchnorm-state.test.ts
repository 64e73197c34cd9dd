/**
 * Batch norm's running statistics as model state through the Trainer: a 'train' step normalises
 * with the batch statistics and emits running ← (1 − m)·running + m·batch (unbiased variance,
 * m = 0.1), the state store swaps them like parameters, checkpoints carry them, chained steps
 * pass them from step to step, and eval graphs (the codec, exported ONNX) read them instead
 * of the batch's statistics.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset.js';
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { Codec, buildCodecGraphs } from '../latent/codec.js';
import type { AutoencoderModel, Batch, Codes, Terms, TrainableModel } from '../models/types.js';
import type { Builder } from '../nn/builder.js';
import { batchNorm } from '../nn/conv.js';
import { dense } from '../nn/layers.js';
import { Rng } from '../nn/rng.js';
import { emitModel } from '../onnx/emit.js';
import { loadCheckpoint, saveCheckpoint } from '../workflow/checkpoint-file.js';
import { CHECKPOINT_FILE, restoreState } from './checkpoint.js';
import { buildStepGraph, phasesOf } from './programs.js';
import { Trainer, type TrainerOptions } from './trainer.js';
import { nodeBackend } from '../runtime/node.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-bn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const D = 6;
const H = 5;
const EPS = 1e-5;
const MOMENTUM = 0.1;

/** x [B, 6] → dense 5 → batchNorm → tanh → dense 2 = z → dense 5 → batchNorm → relu → dense 6 → sigmoid; loss Σ (x̂ − x)² per sample. */
class BnAe implements AutoencoderModel {
  readonly family = 'ae';
  readonly inputShape = [D];
  readonly numClasses = 0;
  readonly latentDim = 2;
  readonly trainTerms = ['loss'];
  encode(b: Builder, x: Value): Codes {
    const h = op.tanh(batchNorm(b.scope('enc.bn'), dense(b.scope('enc.0'), x, H)));
    return { z: dense(b.scope('enc.1'), h, 2) };
  }
  decode(b: Builder, z: Value): Value {
    const h = op.relu(batchNorm(b.scope('dec.bn'), dense(b.scope('dec.0'), z, H)));
    return op.sigmoid(dense(b.scope('dec.1'), h, D));
  }
  samplePrior(b: Builder): Value {
    return b.noise('prior', [2]);
  }
  terms(b: Builder, { x }: Batch): Terms {
    const xhat = this.decode(b, this.encode(b, x).z);
    return { loss: op.reduceMean(op.reduceSum(op.square(op.sub(xhat, x)), [1])) };
  }
}

/** n rows whose features have distinct means and spreads (so running statistics move far from 0 and 1). */
function skewedData(n: number, seed: string): Dataset {
  const u = new Rng(seed).fillUniform(new Float32Array(n * D));
  for (let i = 0; i < u.length; i++) u[i] = 0.1 + 0.8 * u[i]! ** (1 + (i % D));
  return { name: seed, n, sampleShape: [D], x: u };
}

const options = (stepsPerRun: number, batchSize = 16): TrainerOptions => ({ batchSize, seed: 7, backend: nodeBackend, threads: 1, stepsPerRun, optimizer: { kind: 'adam', lr: 1e-2 } });
const STATES = ['enc.bn.running_mean', 'enc.bn.running_var', 'dec.bn.running_mean', 'dec.bn.running_var'];
const copyStates = (t: Trainer): Record<string, Float32Array> => Object.fromEntries(STATES.map((s) => [s, t.state.get(s).slice()]));

/** h = x·W + b for one row. */
function affine(x: ArrayLike<number>, W: Float32Array, bias: Float32Array, inDim: number, outDim: number): number[] {
  return Array.from({ length: outDim }, (_, j) => {
    let s = bias[j]!;
    for (let i = 0; i < inDim; i++) s += x[i]! * W[i * outDim + j]!;
    return s;
  });
}

describe('batch norm running statistics through the Trainer', () => {
  it('one full-batch step moves the running statistics by m·(batch mean, unbiased batch variance) of the initial weights; training lowers the loss', async () => {
    const model = new BnAe();
    const data = skewedData(64, 'bn-oracle');
    const t = await Trainer.create(model, options(1, data.n));
    expect(t.compiled.states.map((s) => s.name)).toEqual(STATES);
    expect(copyStates(t)).toEqual({ 'enc.bn.running_mean': new Float32Array(H), 'enc.bn.running_var': new Float32Array(H).fill(1), 'dec.bn.running_mean': new Float32Array(H), 'dec.bn.running_var': new Float32Array(H).fill(1) });
    const W = t.state.get('enc.0.W').slice();
    const bias = t.state.get('enc.0.b').slice();
    const first = await t.trainEpoch(data, 30);
    // The batch is the whole data set, so its statistics do not depend on the shuffled order.
    const hs = Array.from({ length: data.n }, (_, r) => affine(data.x.subarray(r * D, (r + 1) * D), W, bias, D, H));
    const mean = Array.from({ length: H }, (_, j) => hs.reduce((a, h) => a + h[j]!, 0) / data.n);
    const unbiased = Array.from({ length: H }, (_, j) => hs.reduce((a, h) => a + (h[j]! - mean[j]!) ** 2, 0) / (data.n - 1));
    const rm = t.state.get('enc.bn.running_mean');
    const rv = t.state.get('enc.bn.running_var');
    for (let j = 0; j < H; j++) {
      expect(rm[j]).toBeCloseTo(MOMENTUM * mean[j]!, 6);
      expect(rv[j]).toBeCloseTo(1 - MOMENTUM + MOMENTUM * unbiased[j]!, 6);
    }
    let last = first;
    for (let e = 1; e < 30; e++) last = await t.trainEpoch(data, 30);
    expect(last.train['loss']!).toBeLessThan(0.8 * first.train['loss']!);
    await t.release();
  }, 60_000);

  it('a checkpoint saves the running statistics; a fresh Trainer restored from it has them and continues exactly as the uninterrupted run', async () => {
    const model = new BnAe();
    const data = skewedData(16 * 5, 'bn-resume');
    const a = await Trainer.create(model, options(1));
    await a.trainEpoch(data, 2);
    const afterOne = copyStates(a);
    expect(afterOne['dec.bn.running_var']).not.toEqual(new Float32Array(H).fill(1));
    const dir = join(tmp, 'resume');
    mkdirSync(dir);
    await saveCheckpoint(dir, a.state, a.progress, model.family);
    const ckpt = await loadCheckpoint(dir, { family: model.family });
    for (const s of STATES) expect(ckpt.tensors[s]!.data).toEqual(afterOne[s]);
    await a.trainEpoch(data, 2);

    const b = await Trainer.create(model, options(1));
    restoreState(b.state, ckpt, join(dir, CHECKPOINT_FILE));
    b.restoreProgress(ckpt.progress);
    expect(copyStates(b)).toEqual(afterOne);
    await b.trainEpoch(data, 2);
    expect(b.state.snapshot()).toEqual(a.state.snapshot());
    await Promise.all([a.release(), b.release()]);
  }, 60_000);

  it('chained steps (8 per run) give the running statistics of single steps', async () => {
    const model = new BnAe();
    const data = skewedData(16 * 9 + 3, 'bn-chain'); // one chain of 8, one full single step, a partial batch
    const run = async (stepsPerRun: number) => {
      const t = await Trainer.create(model, options(stepsPerRun));
      expect(t.compiled.chain !== undefined).toBe(stepsPerRun > 1);
      await t.trainEpoch(data, 2);
      await t.trainEpoch(data, 2);
      const states = copyStates(t);
      await t.release();
      return states;
    };
    const single = await run(1);
    const chained = await run(8);
    for (const s of STATES) {
      const moved = Math.max(...single[s]!.map((v) => Math.abs(v - (s.endsWith('var') ? 1 : 0))));
      expect(moved, s).toBeGreaterThan(0.01);
      for (let j = 0; j < H; j++) expect(Math.abs(chained[s]![j]! - single[s]![j]!), `${s}[${j}]`).toBeLessThan(1e-6);
    }
  }, 60_000);

  it('with several phases, only the phase training the declaring scope\'s group updates a state; the others read it, so it moves once per batch', async () => {
    // Phase p trains p.* (dense → batchNorm), phase q trains q.* on p's normalised features.
    const model: TrainableModel = {
      family: 'aae',
      inputShape: [D],
      numClasses: 0,
      trainTerms: [],
      phases: [
        { name: 'p', loss: 'lp', groups: ['p'], terms: ['lp'] },
        { name: 'q', loss: 'lq', groups: ['q'], terms: ['lq'] },
      ],
      terms(b: Builder, { x }: Batch): Terms {
        const pb = b.scope('p', 'p');
        const h = batchNorm(pb.scope('bn'), dense(pb.scope('0'), x, H));
        const lp = op.reduceMean(op.square(op.sub(h, 0.5)));
        return { loss: lp, lp, lq: op.reduceMean(op.square(dense(b.scope('q', 'q'), h, 1))) };
      },
    };
    const [p, q] = phasesOf(model).map((ph) => buildStepGraph(model, { kind: 'adam', lr: 1e-2 }, ph));
    expect(p!.updates.filter((u) => u.includes('running'))).toEqual(['p.bn.running_mean', 'p.bn.running_var']);
    expect(q!.updates.filter((u) => u.includes('running'))).toEqual([]);
    expect(Object.keys(q!.outputs).filter((o) => o.includes('running'))).toEqual([]);

    const data = skewedData(32, 'bn-phases');
    const t = await Trainer.create(model, options(1, data.n));
    const W = t.state.get('p.0.W').slice();
    const bias = t.state.get('p.0.b').slice();
    await t.trainEpoch(data, 1);
    const hs = Array.from({ length: data.n }, (_, r) => affine(data.x.subarray(r * D, (r + 1) * D), W, bias, D, H));
    const rm = t.state.get('p.bn.running_mean');
    for (let j = 0; j < H; j++) expect(rm[j]).toBeCloseTo((MOMENTUM * hs.reduce((a, h) => a + h[j]!, 0)) / data.n, 6);
    await t.release();
  }, 60_000);

  it('the codec and an export with baked state encode with the running statistics, not the batch statistics', async () => {
    const model = new BnAe();
    const data = skewedData(64, 'bn-eval');
    const t = await Trainer.create(model, options(1));
    for (let e = 0; e < 3; e++) await t.trainEpoch(data, 3);
    const p = (name: string): Float32Array => t.state.get(name).slice();
    // A skewed batch: 4 copies of one row, so its own statistics would be mean = the row, variance 0.
    const row = data.x.slice(0, D);
    const n = 4;
    const x = new Float32Array(n * D);
    for (let i = 0; i < n; i++) x.set(row, i * D);
    const h = affine(row, p('enc.0.W'), p('enc.0.b'), D, H);
    const [rm, rv, gamma, beta] = [p('enc.bn.running_mean'), p('enc.bn.running_var'), p('enc.bn.gamma'), p('enc.bn.beta')];
    const zOf = (normalised: number[]): number[] => affine(normalised.map((v, j) => Math.tanh(v * gamma[j]! + beta[j]!)), p('enc.1.W'), p('enc.1.b'), H, 2);
    const want = zOf(h.map((v, j) => (v - rm[j]!) / Math.sqrt(rv[j]! + EPS)));
    const batchStats = zOf(h.map(() => 0));
    expect(Math.max(...want.map((v, k) => Math.abs(v - batchStats[k]!)))).toBeGreaterThan(0.1);

    const codec = await Codec.compile(model, t.state, { backend: nodeBackend, threads: 1 });
    const z = (await codec.encode(x, n))['z']!;
    await codec.release();
    const bake = new Map([...t.compiled.params, ...t.compiled.states].map((s) => [s.name, t.state.get(s.name).slice()]));
    const enc = await ort.InferenceSession.create(emitModel(buildCodecGraphs(model).encode, { bake }));
    expect(enc.inputNames).toEqual(['x']);
    const exported = (await enc.run({ x: new ort.Tensor('float32', x, [n, D]) }))['z']!.data as Float32Array;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < 2; k++) {
        expect(z[i * 2 + k]).toBeCloseTo(want[k]!, 5);
        expect(exported[i * 2 + k]).toBeCloseTo(want[k]!, 5);
      }
    await t.release();
  }, 60_000);
});
