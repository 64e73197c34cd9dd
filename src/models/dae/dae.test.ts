/**
 * The denoising autoencoder: its corruptions have the documented statistics (measured
 * through a compiled graph), its config rejects impossible noise levels, its train and eval
 * graphs report the documented terms, and (the family property) training on corrupted
 * inputs makes it restore corrupted digits better than a plain autoencoder of the same size.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../data/dataset.js';
import { bundledMnistSubset } from '../../data/mnist.js';
import { Graph } from '../../graph/graph.js';
import { Builder } from '../../nn/builder.js';
import { Rng } from '../../nn/rng.js';
import { Program } from '../../runtime/program.js';
import { buildEvalGraph, buildStepGraph } from '../../train/programs.js';
import { fit, fitAndEvaluate } from '../../train/fit.js';
import { type TermValues, Trainer } from '../../train/trainer.js';
import { aeConfigSchema } from '../ae/config.js';
import { Ae } from '../ae/model.js';
import { getFamily } from '../registry.js';
import type { TrainableModel } from '../types.js';
import { type Corruption, daeConfigSchema } from './config.js';
import { Dae } from './model.js';
import { nodeBackend, Tensor } from '../../runtime/node.js';

const dae = (raw: Record<string, unknown>): Dae => new Dae(daeConfigSchema.parse({ inputShape: [784], ...raw }));

/** Runs the model's corruption on `rows` copies of a constant-0.5 input [rows, D]; returns x̃. */
async function corruptConstant(kind: Corruption, level: number, rows = 200, D = 784): Promise<Float32Array> {
  const model = dae({ inputShape: [D], corruption: kind, noiseLevel: level });
  const g = new Graph();
  const b = new Builder(g, 'train');
  const x = g.input('x', ['B', D]);
  const xt = model.corrupted(b, x);
  const noises = [...b.noises.values()].map((n) => n.spec);
  expect(noises).toHaveLength(1);
  expect(noises[0]!.kind).toBe(kind === 'gaussian' ? 'normal' : 'uniform');
  const rng = new Rng('corruption-test');
  const noise = new Float32Array(rows * D);
  if (noises[0]!.kind === 'normal') rng.fillNormal(noise);
  else rng.fillUniform(noise);
  const program = await Program.compile('corrupt', { xt }, { backend: nodeBackend, threads: 1 });
  const out = await program.run({
    x: new Tensor('float32', new Float32Array(rows * D).fill(0.5), [rows, D]),
    [noises[0]!.name]: new Tensor('float32', noise, [rows, D]),
  });
  await program.release();
  return out['xt']!.data as Float32Array;
}

const fraction = (xs: Float32Array, pred: (v: number) => boolean): number => xs.reduce((n, v) => n + (pred(v) ? 1 : 0), 0) / xs.length;

describe('dae corruptions (statistics through a compiled graph, 156,800 inputs each)', () => {
  it('masking sets each input to 0 with probability p and leaves the rest unchanged (no rescaling)', async () => {
    const xt = await corruptConstant('masking', 0.3);
    expect(fraction(xt, (v) => v === 0)).toBeCloseTo(0.3, 2);
    expect(fraction(xt, (v) => v === 0 || v === 0.5)).toBe(1);
  });

  it('salt_pepper sets a fraction p of inputs to 0 or 1, half each, and leaves the rest unchanged', async () => {
    const xt = await corruptConstant('salt_pepper', 0.3);
    expect(fraction(xt, (v) => v === 0)).toBeCloseTo(0.15, 2);
    expect(fraction(xt, (v) => v === 1)).toBeCloseTo(0.15, 2);
    expect(fraction(xt, (v) => v === 0 || v === 1 || v === 0.5)).toBe(1);
  });

  it('gaussian adds zero-mean noise with standard deviation σ', async () => {
    const xt = await corruptConstant('gaussian', 0.2);
    const d = Array.from(xt, (v) => v - 0.5);
    const mean = d.reduce((a, v) => a + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((a, v) => a + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeCloseTo(0.2, 2);
  });

  it('noise level 0 leaves the input untouched and declares no noise input', () => {
    const model = dae({ noiseLevel: 0 });
    const g = new Graph();
    const b = new Builder(g, 'train');
    const x = g.input('x', ['B', 784]);
    expect(model.corrupted(b, x)).toBe(x);
    expect(b.noises.size).toBe(0);
  });
});

describe('dae config', () => {
  it('defaults to masking 30% of the inputs on the shared dense AE body', () => {
    const c = daeConfigSchema.parse({});
    expect(c).toMatchObject({ family: 'dae', corruption: 'masking', noiseLevel: 0.3, latent: 32, hidden: [256] });
    expect(getFamily('dae').create(getFamily('dae').parse({ corruption: 'gaussian', noiseLevel: 0.5 })).family).toBe('dae');
  });

  const message = (raw: Record<string, unknown>): string => {
    const r = daeConfigSchema.safeParse(raw);
    if (r.success) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
    return `${String(r.error.issues[0]!.path[0])}: ${r.error.issues[0]!.message}`;
  };

  it('rejects a negative noise level and a corrupted fraction above 1, with one-line messages', () => {
    expect(message({ noiseLevel: -0.1 })).toBe('noiseLevel: must be non-negative (got -0.1)');
    expect(message({ corruption: 'masking', noiseLevel: 1.5 })).toBe('noiseLevel: is the corrupted fraction for masking and must be in [0, 1] (got 1.5)');
    expect(message({ corruption: 'salt_pepper', noiseLevel: 2 })).toMatch(/^noiseLevel: .*salt_pepper.*\[0, 1\] \(got 2\)$/);
    expect(message({ corruption: 'blur' })).toBe('corruption: must be one of gaussian, masking, salt_pepper (got blur)');
    expect(daeConfigSchema.safeParse({ rho: 0.1 }).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['rho'] });
    expect(daeConfigSchema.parse({ corruption: 'gaussian', noiseLevel: 1.5 }).noiseLevel).toBe(1.5);
  });
});

describe('dae terms', () => {
  it('trains on corrupted inputs only; eval reports clean and corrupted reconstruction errors', () => {
    const model = dae({ inputShape: [1, 28, 28] });
    const step = buildStepGraph(model, { kind: 'adam', lr: 1e-3 });
    expect(Object.keys(step.outputs).filter((k) => !k.startsWith('next:'))).toEqual(['loss', 'recon', 'mse']);
    expect(step.noises.map((n) => n.name)).toEqual(['noise.corruption']);
    const ev = buildEvalGraph(model);
    expect(Object.keys(ev.outputs).sort()).toEqual(['loss', 'mse', 'mse_corrupted', 'mse_noisy_input', 'recon', 'recon_corrupted']);
    expect(ev.noises.map((n) => n.name)).toEqual(['noise.corruption']);
  });
});

// ---------------------------------------------------------------- the family property

/**
 * CI-sized: 3,000 training digits, 784-256-32 nets, 6 epochs of batch 32, evaluated on 500
 * test digits. Masking 50% (rather than the default 30%) keeps the gap clear of run-to-run
 * noise at this small a training budget.
 */
const BODY = { inputShape: [784], hidden: [256], latent: 32 } as const;
const CORRUPTION = { corruption: 'masking', noiseLevel: 0.5 } as const;
const EPOCHS = 6;

async function trainAndEvaluate(model: TrainableModel, train: Dataset, test: Dataset, evalModel?: TrainableModel): Promise<TermValues> {
  const opts = { batchSize: 32, seed: 0, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr: 1e-3 } } as const;
  if (!evalModel) return fitAndEvaluate(model, train, test, { ...opts, epochs: EPOCHS });
  const trainer = await fit(model, train, { ...opts, epochs: EPOCHS });
  try {
    // Evaluate the trained weights through `evalModel`'s eval graph (same parameter names).
    const initialParams = trainer.paramValues();
    const evaluator = await Trainer.create(evalModel, { ...opts, initialParams });
    try {
      return await evaluator.evaluate(test);
    } finally {
      await evaluator.release();
    }
  } finally {
    await trainer.release();
  }
}

describe('dae property (bundled MNIST digits)', () => {
  const { train, test } = bundledMnistSubset(3000, 500);

  it('restores corrupted test digits better than a same-size plain AE fed the identical corruption, and better than doing nothing', async () => {
    const t0 = performance.now();
    const denoiser = dae({ ...BODY, ...CORRUPTION });
    const d = await trainAndEvaluate(denoiser, train, test);
    // The plain AE: same body, same initial weights and batches, no corruption in training;
    // scored by the dae's eval graph, whose corruption noise comes from the same eval seed.
    const a = await trainAndEvaluate(new Ae(aeConfigSchema.parse(BODY)), train, test, denoiser);
    console.log(
      `dae property: mse_corrupted dae ${d['mse_corrupted']!.toFixed(5)} vs ae ${a['mse_corrupted']!.toFixed(5)}; ` +
        `mse_noisy_input ${d['mse_noisy_input']!.toFixed(5)}; clean mse dae ${d['mse']!.toFixed(5)} ae ${a['mse']!.toFixed(5)} ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    expect(a['mse_noisy_input']).toBe(d['mse_noisy_input']); // identical corrupted inputs
    expect(d['mse_corrupted']!).toBeLessThan(a['mse_corrupted']!);
    expect(d['mse_corrupted']!).toBeLessThan(d['mse_noisy_input']!);
  }, 120_000);
});
