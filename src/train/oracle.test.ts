/**
 * Training math checked against an independent implementation.
 *
 * The oracle is TensorFlow.js (`@tensorflow/tfjs-core` + the pure-JS cpu backend, devDependencies
 * used only here): the same VAE is written out by hand in tfjs ops from the documented formulas
 * (dense = x·W + b with W [in, out]; see src/models/vae/model.ts), fed IDENTICAL weights, data and
 * reparameterisation noise, and its loss terms, gradients (tf.grads) and Adam trajectory
 * (tf.train.adam) are compared with what latentkit's compiled ONNX programs produce.
 * Optimizer variants tfjs does not have (SGD momentum/Nesterov, L2 decay, AdamW, a large ε) are
 * checked against plain-JS float64 transcriptions of PyTorch's update rules.
 *
 * Note: tfjs-core's Node entry point (a CJS bundle) registers no gradient functions; the
 * `register_all_gradients` side-effect module below registers them into tfjs' global registry
 * (vitest inlines it as ESM). Chained tensor methods (`t.sum()`) are not registered either, so only
 * the functional `tf.*` API is used.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { grad } from '../autodiff/grad.js';
import type { Dataset } from '../data/dataset.js';
import { Graph, type Value } from '../graph/graph.js';
import { vaeConfigSchema, type VaeConfig } from '../models/vae/config.js';
import { Vae } from '../models/vae/model.js';
import { Builder, type ParamSpec } from '../nn/builder.js';
import { Rng } from '../nn/rng.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { type BufferSpec, nextName } from '../runtime/buffers.js';
import { Program } from '../runtime/program.js';
import { batchInputs, compileTraining } from './programs.js';
import { type EpochResult, Trainer } from './trainer.js';
import { nodeBackend, Tensor } from '../runtime/node.js';

type Arrays = Record<string, Float32Array>;

const TERMS = ['loss', 'recon', 'kl', 'elbo', 'mse'] as const;

// ---------------------------------------------------------------- model configs under test

interface Case {
  readonly title: string;
  readonly raw: Record<string, unknown>;
}

/** Small configs covering both likelihoods, every activation kind used by the VAE, β ≠ 1 and a rank-2 input. */
const CASES: readonly Case[] = [
  { title: 'bernoulli, relu, 64-32-4', raw: { inputShape: [64], hidden: [32], latent: 4 } },
  {
    title: 'gaussian with learned variance, tanh, β=0.5, [8,8]-24-16-3',
    raw: { inputShape: [8, 8], hidden: [24, 16], latent: 3, likelihood: 'gaussian', learnVariance: true, beta: 0.5, activation: 'tanh' },
  },
  {
    title: 'gaussian σ²=1, leaky_relu, β=2, glorot, 20-12-2',
    raw: { inputShape: [20], hidden: [12], latent: 2, likelihood: 'gaussian', activation: 'leaky_relu', beta: 2, init: 'glorot' },
  },
  { title: 'bernoulli, softplus, 30-10-5', raw: { inputShape: [30], hidden: [10], latent: 5, activation: 'softplus' } },
];

function vae(raw: Record<string, unknown>): Vae {
  return new Vae(vaeConfigSchema.parse(raw));
}

const inputSize = (c: VaeConfig): number => c.inputShape.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------- latentkit side

interface GradProgram {
  readonly program: Program;
  readonly params: readonly ParamSpec[];
}

/** A program computing every term and ∂loss/∂p for each parameter p (outputs `grad:<name>`), no update. */
async function compileGradProgram(model: Vae): Promise<GradProgram> {
  const g = new Graph();
  const b = new Builder(g, 'train');
  const terms = model.terms(b, batchInputs(g, model));
  const params = b.paramValues();
  const grads = grad(
    terms.loss,
    params.map((p) => p.value),
  );
  const outputs: Record<string, Value> = {};
  for (const t of TERMS) outputs[t] = terms[t]!;
  params.forEach((p, i) => (outputs[`grad:${p.spec.name}`] = grads[i]!));
  return { program: await Program.compile('oracle.grads', outputs, { backend: nodeBackend, threads: 1 }), params: params.map((p) => p.spec) };
}

/**
 * Parameters from their own initialisers. Zero-initialised ones (the Gaussian decoder's
 * log-variance) get small random values instead, so their gradients are not a special case.
 */
function initParams(specs: readonly ParamSpec[], seed: string): Arrays {
  const rng = new Rng(seed);
  const out: Arrays = {};
  for (const s of specs) {
    let d = s.init(rng, s.shape);
    if (d.every((v) => v === 0)) d = rng.fillUniform(new Float32Array(d.length), -0.3, 0.3);
    out[s.name] = d;
  }
  return out;
}

interface BatchData {
  readonly x: Float32Array;
  readonly eps: Float32Array;
  readonly n: number;
}

function makeBatch(c: VaeConfig, n: number, seed: string): BatchData {
  const rng = new Rng(seed);
  return { x: rng.fillUniform(new Float32Array(n * inputSize(c))), eps: rng.fillNormal(new Float32Array(n * c.latent)), n };
}

function feedsFor(c: VaeConfig, specs: readonly { name: string; shape: readonly number[] }[], state: Arrays, batch: BatchData): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {
    x: new Tensor('float32', batch.x, [batch.n, ...c.inputShape]),
    'noise.eps': new Tensor('float32', batch.eps, [batch.n, c.latent]),
  };
  for (const s of specs) feeds[s.name] = new Tensor('float32', state[s.name]!, [...s.shape]);
  return feeds;
}

async function runToArrays(p: Program, feeds: Record<string, Tensor>): Promise<Arrays> {
  const out = await p.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, (t.data as Float32Array).slice()]));
}

// ---------------------------------------------------------------- tfjs oracle

function tfActivate(h: tf.Tensor, a: string): tf.Tensor {
  switch (a) {
    case 'linear': return h;
    case 'relu': return tf.relu(h);
    case 'leaky_relu': return tf.leakyRelu(h, 0.2);
    case 'sigmoid': return tf.sigmoid(h);
    case 'tanh': return tf.tanh(h);
    case 'softplus': return tf.softplus(h);
    default: throw new Error(`no tfjs activation for ${a}`);
  }
}

/**
 * The VAE terms written directly in tfjs (Kingma & Welling 2014):
 *   h = act(x·W+b) per hidden layer; μ, log σ² = h·W+b; z = μ + exp(½ log σ²)·ε;
 *   decoder mirrors the hidden sizes, last layer linear (logits / Gaussian mean);
 *   Bernoulli −log p = Σ softplus(ℓ) − xℓ;  Gaussian −log p = ½ Σ log 2π + s + (x−m)² e^{−s};
 *   KL = −½ Σ (1 + log σ² − μ² − σ²);  loss = mean_b(nll + β·KL).
 */
function tfTerms(c: VaeConfig, P: Record<string, tf.Tensor>, x: tf.Tensor, eps: tf.Tensor): Record<(typeof TERMS)[number], tf.Tensor> {
  const dense = (h: tf.Tensor, prefix: string): tf.Tensor => tf.add(tf.matMul(h, P[`${prefix}.W`]!), P[`${prefix}.b`]!);
  let h = x;
  c.hidden.forEach((_, i) => (h = tfActivate(dense(h, `enc.${i}`), c.activation)));
  const mu = dense(h, 'enc.mu');
  const logVar = dense(h, 'enc.logvar');
  const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
  const sizes = [...[...c.hidden].reverse(), inputSize(c)];
  let d = z;
  sizes.forEach((_, i) => {
    d = dense(d, `dec.${i}`);
    if (i < sizes.length - 1) d = tfActivate(d, c.activation);
  });
  let nll: tf.Tensor;
  let mean: tf.Tensor;
  if (c.likelihood === 'bernoulli') {
    nll = tf.sum(tf.sub(tf.softplus(d), tf.mul(x, d)), 1);
    mean = tf.sigmoid(d);
  } else {
    const s = c.learnVariance ? P['dec.logvar']! : tf.scalar(0);
    const perFeature = tf.add(tf.add(tf.mul(tf.square(tf.sub(x, d)), tf.exp(tf.neg(s))), s), Math.log(2 * Math.PI));
    nll = tf.mul(tf.sum(perFeature, 1), 0.5);
    mean = d;
  }
  const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logVar, 1), tf.square(mu)), tf.exp(logVar)), 1), -0.5);
  return {
    loss: tf.mean(tf.add(nll, tf.mul(kl, c.beta))),
    recon: tf.mean(nll),
    kl: tf.mean(kl),
    elbo: tf.neg(tf.mean(tf.add(nll, kl))),
    mse: tf.mean(tf.mean(tf.square(tf.sub(mean, x)), 1)),
  };
}

function tfInputs(c: VaeConfig, batch: BatchData): { x: tf.Tensor2D; eps: tf.Tensor2D } {
  return { x: tf.tensor2d(batch.x, [batch.n, inputSize(c)]), eps: tf.tensor2d(batch.eps, [batch.n, c.latent]) };
}

/** tfjs terms and gradients of `loss` with respect to each parameter (tf.grads), as arrays. */
function tfLossAndGrads(c: VaeConfig, specs: readonly ParamSpec[], params: Arrays, batch: BatchData): { terms: Record<string, number>; grads: Arrays } {
  return tf.tidy(() => {
    const { x, eps } = tfInputs(c, batch);
    const ps = specs.map((s) => tf.tensor(params[s.name]!, [...s.shape]));
    const asMap = (ts: tf.Tensor[]): Record<string, tf.Tensor> => Object.fromEntries(specs.map((s, i) => [s.name, ts[i]!]));
    const gs = tf.grads((...ts: tf.Tensor[]) => tfTerms(c, asMap(ts), x, eps).loss)(ps);
    const t = tfTerms(c, asMap(ps), x, eps);
    const terms = Object.fromEntries(TERMS.map((k) => [k, t[k].dataSync()[0]!]));
    const grads = Object.fromEntries(specs.map((s, i) => [s.name, Float32Array.from(gs[i]!.dataSync())]));
    return { terms, grads };
  });
}

// ---------------------------------------------------------------- comparison helpers

const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Asserts `actual ≈ expected` elementwise (|a−e| ≤ atol + rtol·|e|) and on norms
 * (‖a−e‖ ≤ normRtol·‖e‖ + atol), with a message naming the worst element.
 */
function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { atol: number; rtol: number; normRtol?: number }): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}[${worst}]: got ${actual[worst]}, expected ${expected[worst]} (|diff| ${Math.abs(actual[worst]! - expected[worst]!)} > ${tol.atol} + ${tol.rtol}·|e|)`);
  }
  if (tol.normRtol !== undefined) {
    const en = norm(expected);
    const dn = diffNorm(actual, expected);
    expect(dn, `${what}: ‖a−e‖ = ${dn} vs ‖e‖ = ${en}`).toBeLessThanOrEqual(tol.normRtol * en + tol.atol);
  }
}

function expectScalarClose(what: string, actual: number, expected: number, rtol: number): void {
  expect(Math.abs(actual - expected), `${what}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(expected)));
}

// ---------------------------------------------------------------- plain-JS optimizer reference (float64, PyTorch semantics)

interface RefState {
  t: number;
  readonly slots: Record<string, Float64Array>;
}

/**
 * One optimizer step on `p` (in place, float64) with gradient `g`, following torch.optim:
 *   Adam:  g += λp (L2);  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  p −= lr · m̂ / (√v̂ + ε)
 *   AdamW: p *= (1 − lr·λ), then the Adam step without L2
 *   SGD:   g += λp;  buf = μ·buf + g (buf₁ = g);  p −= lr · (Nesterov ? g + μ·buf : buf)
 */
function refStep(cfg: OptimizerConfig, st: RefState, name: string, p: Float64Array, gIn: Float32Array): void {
  const lr = cfg.lr;
  const wd = cfg.weightDecay ?? 0;
  const slot = (k: string): Float64Array => (st.slots[`${k}.${name}`] ??= new Float64Array(p.length));
  if (cfg.kind === 'sgd') {
    const mu = cfg.momentum ?? 0;
    const buf = mu > 0 ? slot('buf') : undefined;
    for (let i = 0; i < p.length; i++) {
      const g = gIn[i]! + wd * p[i]!;
      let dir = g;
      if (buf) {
        buf[i] = st.t === 1 ? g : mu * buf[i]! + g;
        dir = cfg.nesterov ? g + mu * buf[i]! : buf[i]!;
      }
      p[i] = p[i]! - lr * dir;
    }
    return;
  }
  const b1 = cfg.beta1 ?? 0.9;
  const b2 = cfg.beta2 ?? 0.999;
  const eps = cfg.eps ?? 1e-8;
  const m = slot('m');
  const v = slot('v');
  const bc1 = 1 - b1 ** st.t;
  const bc2 = 1 - b2 ** st.t;
  for (let i = 0; i < p.length; i++) {
    if (cfg.kind === 'adamw') p[i] = p[i]! * (1 - lr * wd);
    const g = cfg.kind === 'adam' ? gIn[i]! + wd * p[i]! : gIn[i]!;
    m[i] = b1 * m[i]! + (1 - b1) * g;
    v[i] = b2 * v[i]! + (1 - b2) * g * g;
    p[i] = p[i]! - (lr * (m[i]! / bc1)) / (Math.sqrt(v[i]! / bc2) + eps);
  }
}

// ---------------------------------------------------------------- tests

beforeAll(async () => {
  tf.env().set('IS_TEST', true); // silences the "install tfjs-node" banner
  await tf.setBackend('cpu');
});

describe('oracle: tfjs itself', () => {
  it('tf.train.adam places ε like PyTorch: p −= lr·m̂/(√v̂+ε), with bias-corrected m̂, v̂', () => {
    // A large ε and small gradients make the placement of ε matter (other forms differ by >10%).
    const lr = 0.1;
    const eps = 0.01;
    const gs = [0.003, -0.02, 0.001];
    const p = tf.variable(tf.scalar(1), true, 'oracle.adamcheck');
    const opt = tf.train.adam(lr, 0.9, 0.999, eps);
    const ref = new Float64Array([1]);
    const st: RefState = { t: 0, slots: {} };
    for (const g of gs) {
      opt.applyGradients([{ name: 'oracle.adamcheck', tensor: tf.scalar(g) }]);
      st.t++;
      refStep({ kind: 'adam', lr, eps }, st, 'p', ref, Float32Array.of(g));
      expect(Math.abs(p.dataSync()[0]! - ref[0]!)).toBeLessThan(1e-6);
    }
    opt.dispose();
    p.dispose();
  });
});

describe.each(CASES)('VAE $title', ({ raw }) => {
  const model = vae(raw);
  const c = model.config;
  let gp: GradProgram;

  beforeAll(async () => {
    gp = await compileGradProgram(model);
  });
  afterAll(async () => {
    await gp.program.release();
  });

  it('loss, recon, kl, elbo and mse equal the tfjs forward pass on identical weights, x and ε', async () => {
    const params = initParams(gp.params, 'terms:init');
    const batch = makeBatch(c, 9, 'terms:batch');
    const ours = await runToArrays(gp.program, feedsFor(c, gp.params, params, batch));
    const theirs = tfLossAndGrads(c, gp.params, params, batch).terms;
    for (const t of TERMS) expectScalarClose(t, ours[t]![0]!, theirs[t]!, 2e-6);
    // Sanity: the terms are related as documented.
    expectScalarClose('loss = recon + β·kl', ours['loss']![0]!, ours['recon']![0]! + c.beta * ours['kl']![0]!, 2e-6);
  });

  it('∂loss/∂p for every parameter equals tf.grads (elementwise atol 1e-5 + rtol 1e-3, norms 1e-4)', async () => {
    const params = initParams(gp.params, 'grads:init');
    for (const [k, n] of [[0, 7], [1, 1]] as const) {
      // A batch of 7 and a batch of 1 (the symbolic batch dim at its edge).
      const batch = makeBatch(c, n, `grads:batch:${k}`);
      const ours = await runToArrays(gp.program, feedsFor(c, gp.params, params, batch));
      const theirs = tfLossAndGrads(c, gp.params, params, batch).grads;
      for (const s of gp.params) {
        const e = theirs[s.name]!;
        expect(norm(e), `${s.name}: oracle gradient is non-trivial`).toBeGreaterThan(1e-6);
        expectClose(`grad ${s.name} (B=${n})`, ours[`grad:${s.name}`]!, e, { atol: 1e-5, rtol: 1e-3, normRtol: 1e-4 });
      }
    }
  });
});

/** The production training step of a single-phase model, as compiled by `compileTraining`. */
interface CompiledStep {
  readonly program: Program;
  /** Model parameters. */
  readonly params: readonly ParamSpec[];
  /** Everything the step reads and rewrites: parameters and optimizer state. */
  readonly stateSpecs: readonly BufferSpec[];
  /** Name of the learning-rate input. */
  readonly lrInput: string;
  release(): Promise<void>;
}

async function compileStep(model: Vae, cfg: OptimizerConfig): Promise<CompiledStep> {
  const compiled = await compileTraining(model, cfg, { backend: nodeBackend, threads: 1 });
  expect(compiled.phases.length, 'the VAE trains in one phase').toBe(1);
  const { program, graph } = compiled.phases[0]!;
  return {
    program,
    params: compiled.params,
    stateSpecs: compiled.stateSpecs,
    lrInput: graph.lrInputs[0]!,
    release: async () => {
      await Promise.all([...compiled.phases.map((p) => p.program.release()), compiled.eval.release()]);
    },
  };
}

/** Feeds of one training step from explicit state arrays. */
function stepFeeds(c: VaeConfig, step: CompiledStep, state: Arrays, batch: BatchData, lr: number): Record<string, Tensor> {
  return { ...feedsFor(c, step.stateSpecs, state, batch), [step.lrInput]: new Tensor('float32', Float32Array.of(lr), []) };
}

/** Initial state for a compiled training program: given params, zero optimizer state. */
function initialState(specs: readonly { name: string; shape: readonly number[] }[], params: Arrays): Arrays {
  return Object.fromEntries(specs.map((s) => [s.name, params[s.name] ?? new Float32Array(s.shape.reduce((a, b) => a * b, 1))]));
}

describe('Adam training steps vs tf.train.adam(lr, 0.9, 0.999, 1e-8)', () => {
  const model = vae(CASES[0]!.raw);
  const c = model.config;
  const lr = 3e-3;
  const steps = 3;

  it(`${steps} compiled train steps move every parameter like tfjs Adam on tfjs gradients (same weights, batches, ε)`, async () => {
    const step = await compileStep(model, { kind: 'adam', lr });
    try {
      const specs = step.stateSpecs;
      const params0 = initParams(step.params, 'adam:init');
      let state = initialState(specs, params0);
      const batches = [0, 1, 2].map((k) => makeBatch(c, 8, `adam:batch:${k}`));

      // latentkit: ping-pong through the step program by hand.
      const losses: number[] = [];
      for (const batch of batches.slice(0, steps)) {
        const out = await runToArrays(step.program, stepFeeds(c, step, state, batch, lr));
        losses.push(out['loss']![0]!);
        state = Object.fromEntries(specs.map((s) => [s.name, out[nextName(s.name)]!]));
      }
      expect(state['optim.step']![0]).toBe(steps);

      // tfjs: variables + tf.train.adam, gradients from tf.variableGrads on the hand-written model.
      const tag = 'oracle.adam/';
      const vars = Object.fromEntries(step.params.map((s) => [s.name, tf.variable(tf.tensor(params0[s.name]!, [...s.shape]), true, tag + s.name)]));
      const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
      const tfLosses: number[] = [];
      for (const batch of batches.slice(0, steps)) {
        const { grads, value } = tf.tidy(() => {
          const { x, eps } = tfInputs(c, batch);
          return tf.variableGrads(() => tfTerms(c, vars, x, eps).loss as tf.Scalar, Object.values(vars));
        });
        tfLosses.push(value.dataSync()[0]!);
        opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        tf.dispose([value, ...Object.values(grads)]);
      }

      losses.forEach((l, i) => expectScalarClose(`loss at step ${i + 1}`, l, tfLosses[i]!, 2e-6));
      for (const s of step.params) {
        const p0 = params0[s.name]!;
        const ours = state[s.name]!;
        const theirs = vars[s.name]!.dataSync();
        // Compare the displacement p_T − p_0 (≈ steps·lr per element), which is what Adam computed.
        const dOurs = ours.map((v, i) => v - p0[i]!);
        const dTheirs = Float32Array.from(theirs, (v, i) => v - p0[i]!);
        expect(norm(dTheirs), `${s.name} moved`).toBeGreaterThan(0);
        expectClose(`Δ${s.name}`, dOurs, dTheirs, { atol: 2e-6, rtol: 1e-3, normRtol: 1e-4 });
      }
      opt.dispose();
      tf.dispose(Object.values(vars));
    } finally {
      await step.release();
    }
  });

  it('Trainer.trainEpoch (2 epochs, partial last batch, ping-pong state) matches tfjs Adam replaying the fed batches and noise', async () => {
    const n = 40;
    const batchSize = 16; // steps of 16, 16, 8
    const rows = new Rng('trainer:data').fillUniform(new Float32Array(n * inputSize(c)));
    const data: Dataset = { name: 'oracle', n, sampleShape: [...c.inputShape], x: rows };
    const trainer = await Trainer.create(model, { batchSize, seed: 11, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr } });
    try {
      const specs = trainer.compiled.params;
      const params0 = Object.fromEntries(specs.map((s) => [s.name, trainer.state.get(s.name).slice()]));

      // Record exactly what the trainer feeds its training-step program (buffers are reused, so
      // copy). Step calls are the ones fed a learning rate; evaluation calls are not.
      const fed: { batch: BatchData; lr: number }[] = [];
      const run = Program.prototype.run;
      const spy = vi.spyOn(Program.prototype, 'run').mockImplementation(function (this: Program, feeds, into) {
        const lrName = 'optim.lr';
        if (lrName in feeds) {
          const x = feeds['x']!;
          fed.push({
            batch: { x: (x.data as Float32Array).slice(), eps: (feeds['noise.eps']!.data as Float32Array).slice(), n: x.dims[0]! },
            lr: (feeds[lrName]!.data as Float32Array)[0]!,
          });
        }
        return run.call(this, feeds, into);
      });

      let results: EpochResult[];
      try {
        results = [await trainer.trainEpoch(data, 2), await trainer.trainEpoch(data, 2)];
      } finally {
        spy.mockRestore();
      }
      expect(fed.map((f) => f.batch.n)).toEqual([16, 16, 8, 16, 16, 8]);
      expect(fed.every((f) => f.lr === Math.fround(lr))).toBe(true);
      expect(results.map((r) => [r.epoch, r.step])).toEqual([[1, 3], [2, 6]]);
      expect(trainer.state.get('optim.step')[0]).toBe(6);

      // Every epoch visits every row exactly once.
      const d = inputSize(c);
      const key = (a: Float32Array, i: number): string => Array.from(a.subarray(i * d, (i + 1) * d)).join(',');
      const all = Array.from({ length: n }, (_, i) => key(rows, i)).sort();
      for (const e of [0, 1]) {
        const seen = fed.slice(3 * e, 3 * e + 3).flatMap((f) => Array.from({ length: f.batch.n }, (_, i) => key(f.batch.x, i)));
        expect(seen.sort(), `epoch ${e + 1} is a permutation of the data`).toEqual(all);
      }

      // Replay in tfjs.
      const tag = 'oracle.trainer/';
      const vars = Object.fromEntries(specs.map((s) => [s.name, tf.variable(tf.tensor(params0[s.name]!, [...s.shape]), true, tag + s.name)]));
      const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
      const epochSums = [0, 0];
      fed.forEach(({ batch }, k) => {
        const { grads, value } = tf.tidy(() => {
          const { x, eps } = tfInputs(c, batch);
          return tf.variableGrads(() => tfTerms(c, vars, x, eps).loss as tf.Scalar, Object.values(vars));
        });
        epochSums[k < 3 ? 0 : 1]! += value.dataSync()[0]! * batch.n;
        opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        tf.dispose([value, ...Object.values(grads)]);
      });
      results.forEach((r, e) => expectScalarClose(`epoch ${e + 1} mean train loss`, r.train['loss']!, epochSums[e]! / n, 1e-5));
      for (const s of specs) {
        const p0 = params0[s.name]!;
        const dOurs = trainer.state.get(s.name).map((v, i) => v - p0[i]!);
        const dTheirs = Float32Array.from(vars[s.name]!.dataSync(), (v, i) => v - p0[i]!);
        expectClose(`Δ${s.name}`, dOurs, dTheirs, { atol: 4e-6, rtol: 1e-3, normRtol: 1e-4 });
      }
      opt.dispose();
      tf.dispose(Object.values(vars));
    } finally {
      await trainer.release();
    }
  });
});

describe('optimizer updates vs plain-JS PyTorch formulas on latentkit gradients', () => {
  const model = vae({ inputShape: [16], hidden: [8], latent: 2 });
  const c = model.config;
  let gp: GradProgram;
  beforeAll(async () => {
    gp = await compileGradProgram(model);
  });
  afterAll(async () => {
    await gp.program.release();
  });

  const configs: readonly { title: string; cfg: OptimizerConfig }[] = [
    { title: 'SGD momentum 0.9: buf = μ·buf + g; p −= lr·buf', cfg: { kind: 'sgd', lr: 0.05, momentum: 0.9 } },
    { title: 'SGD Nesterov μ=0.9 with L2 λ=0.1: g += λp; p −= lr·(g + μ·buf)', cfg: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1 } },
    { title: 'plain SGD with L2 λ=0.01: p −= lr·(g + λp)', cfg: { kind: 'sgd', lr: 0.05, weightDecay: 0.01 } },
    { title: 'AdamW λ=0.1: p ← p(1−lr·λ), then p −= lr·m̂/(√v̂+ε)', cfg: { kind: 'adamw', lr: 0.01, weightDecay: 0.1 } },
    { title: 'Adam with L2 λ=0.1 (coupled: g += λp before the moments)', cfg: { kind: 'adam', lr: 0.01, weightDecay: 0.1 } },
    { title: 'Adam with large ε=0.05 and β=(0.8, 0.99): ε added to √v̂, not inside the root', cfg: { kind: 'adam', lr: 0.01, eps: 0.05, beta1: 0.8, beta2: 0.99 } },
  ];

  it.each(configs)('$title — params and optimizer state after 1, 2 and 3 steps', async ({ cfg }) => {
    const step = await compileStep(model, cfg);
    try {
      const specs = step.stateSpecs;
      const paramSpecs = step.params;
      // Optimizer state slots are exactly what the formula needs.
      const slotKinds = new Set(specs.filter((s) => s.name.startsWith('optim.') && s.name !== 'optim.step').map((s) => s.name.split('.')[1]));
      const wantSlots = cfg.kind === 'sgd' ? ((cfg.momentum ?? 0) > 0 ? ['buf'] : []) : ['m', 'v'];
      expect([...slotKinds].sort()).toEqual(wantSlots.sort());

      let state = initialState(specs, initParams(paramSpecs, 'opt:init'));
      const ref = Object.fromEntries(paramSpecs.map((s) => [s.name, Float64Array.from(state[s.name]!)]));
      const refState: RefState = { t: 0, slots: {} };
      for (let k = 0; k < 3; k++) {
        const batch = makeBatch(c, 6, `opt:batch:${k}`);
        // latentkit's own gradient at the current parameters (checked against tfjs above).
        const grads = await runToArrays(gp.program, feedsFor(c, gp.params, state, batch));
        const out = await runToArrays(step.program, stepFeeds(c, step, state, batch, cfg.lr));
        expectScalarClose('step loss = grad-program loss', out['loss']![0]!, grads['loss']![0]!, 1e-6);
        refState.t++;
        for (const s of paramSpecs) {
          // Reference starts each step from latentkit's float32 parameters, so errors do not compound.
          const p = Float64Array.from(state[s.name]!);
          refStep(cfg, refState, s.name, p, grads[`grad:${s.name}`]!);
          ref[s.name] = p;
        }
        state = Object.fromEntries(specs.map((s) => [s.name, out[nextName(s.name)]!]));
        expect(state['optim.step']![0], 'step counter').toBe(k + 1);
        for (const s of paramSpecs) {
          const p0 = Float64Array.from(state[s.name]!);
          expectClose(`step ${k + 1} ${s.name}`, p0, ref[s.name]!, { atol: 1e-6, rtol: 1e-5 });
        }
        for (const [slot, v] of Object.entries(refState.slots)) {
          expectClose(`step ${k + 1} optim.${slot}`, state[`optim.${slot}`]!, v, { atol: 1e-7, rtol: 1e-5 });
        }
        // Keep the reference state in sync with latentkit's float32 state.
        for (const slot of Object.keys(refState.slots)) refState.slots[slot] = Float64Array.from(state[`optim.${slot}`]!);
      }
    } finally {
      await step.release();
    }
  });
});
