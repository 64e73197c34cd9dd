/**
 * The sparse autoencoder: its penalties compute the documented formulas (checked against
 * float64 JavaScript through a compiled graph), its config rejects impossible ρ, λ and a kl
 * penalty on a non-sigmoid code, and (the family property) the penalty lowers the mean code
 * activation compared with the same network trained without it.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../data/dataset.js';
import { bundledMnistSubset } from '../../data/mnist.js';
import { Graph } from '../../graph/graph.js';
import { Rng } from '../../nn/rng.js';
import { Program } from '../../runtime/program.js';
import { buildStepGraph } from '../../train/programs.js';
import { fitAndEvaluate } from '../../train/fit.js';
import type { TermValues } from '../../train/trainer.js';
import { getFamily } from '../registry.js';
import { sparseConfigSchema } from './config.js';
import { klSparsity, l1Activity } from '../../losses/sparsity.js';
import { ACTIVE_THRESHOLD, SparseAe } from './model.js';
import { nodeBackend, Tensor } from '../../runtime/node.js';

const sparse = (raw: Record<string, unknown>): SparseAe => new SparseAe(sparseConfigSchema.parse({ inputShape: [784], ...raw }));

describe('sparse penalties (compiled graph vs float64 JavaScript)', () => {
  const B = 7;
  const J = 5;
  const a = new Rng('sparse-penalties').fillUniform(new Float32Array(B * J), 0.001, 0.999);
  a[3] = 0; // a unit whose batch mean is small (clipping must not bite above 1e-6)

  async function evaluate(rho: number): Promise<{ kl: number; l1: Float32Array }> {
    const g = new Graph();
    const x = g.input('a', ['B', J]);
    const p = await Program.compile('penalties', { kl: klSparsity(x, rho), l1: l1Activity(x) }, { backend: nodeBackend, threads: 1 });
    const out = await p.run({ a: new Tensor('float32', a, [B, J]) });
    await p.release();
    return { kl: (out['kl']!.data as Float32Array)[0]!, l1: out['l1']!.data as Float32Array };
  }

  it('kl = Σ_j ρ log(ρ/ρ̂_j) + (1−ρ) log((1−ρ)/(1−ρ̂_j)) with ρ̂_j the batch-mean activation', async () => {
    for (const rho of [0.05, 0.5]) {
      let want = 0;
      for (let j = 0; j < J; j++) {
        let m = 0;
        for (let b = 0; b < B; b++) m += a[b * J + j]! / B;
        want += rho * Math.log(rho / m) + (1 - rho) * Math.log((1 - rho) / (1 - m));
      }
      const { kl } = await evaluate(rho);
      expect(kl).toBeCloseTo(want, 4);
    }
  });

  it('l1 = Σ_j |a_j| per sample', async () => {
    const { l1 } = await evaluate(0.05);
    for (let b = 0; b < B; b++) {
      const want = Array.from(a.subarray(b * J, (b + 1) * J)).reduce((s, v) => s + Math.abs(v), 0);
      expect(l1[b]).toBeCloseTo(want, 5);
    }
  });

  it('kl stays finite when a unit is dead or saturated over the whole batch (ρ̂ clipped into [1e-6, 1−1e-6])', async () => {
    const g = new Graph();
    const x = g.input('a', ['B', 2]);
    const p = await Program.compile('kl-clip', { kl: klSparsity(x, 0.05) }, { backend: nodeBackend, threads: 1 });
    const out = await p.run({ a: new Tensor('float32', Float32Array.of(0, 1, 0, 1), [2, 2]) });
    await p.release();
    const kl = (out['kl']!.data as Float32Array)[0]!;
    const at = (m: number): number => 0.05 * Math.log(0.05 / m) + 0.95 * Math.log(0.95 / (1 - m));
    expect(Number.isFinite(kl)).toBe(true);
    expect(kl).toBeCloseTo(at(1e-6) + at(1 - 1e-6), 0);
  });
});

describe('sparse config', () => {
  it('defaults to a 128-unit sigmoid code with the kl penalty, ρ = 0.05', () => {
    expect(sparseConfigSchema.parse({})).toMatchObject({ family: 'sparse', latent: 128, codeActivation: 'sigmoid', penalty: 'kl', rho: 0.05, lambda: 1 });
    expect(sparseConfigSchema.parse({ penalty: 'l1' }).lambda).toBe(0.1);
    expect(sparseConfigSchema.parse({ penalty: 'l1', lambda: 2 }).lambda).toBe(2);
    expect(getFamily('sparse').create(getFamily('sparse').parse({ penalty: 'l1', codeActivation: 'relu' })).family).toBe('sparse');
  });

  const message = (raw: Record<string, unknown>): string => {
    const r = sparseConfigSchema.safeParse(raw);
    if (r.success) throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
    return `${String(r.error.issues[0]!.path[0])}: ${r.error.issues[0]!.message}`;
  };

  it('rejects ρ outside (0, 1) and a negative λ, with one-line messages', () => {
    expect(message({ rho: 1.5 })).toBe('rho: must be in (0, 1) (got 1.5)');
    expect(message({ rho: 1 })).toBe('rho: must be in (0, 1) (got 1)');
    expect(message({ rho: 0 })).toBe('rho: must be in (0, 1) (got 0)');
    expect(message({ rho: -0.2 })).toBe('rho: must be in (0, 1) (got -0.2)');
    expect(message({ lambda: -1 })).toBe('lambda: must be non-negative (got -1)');
    expect(message({ penalty: 'l2' })).toBe('penalty: must be one of l1, kl (got l2)');
  });

  it('rejects the kl penalty on a non-sigmoid code, naming the fix', () => {
    expect(message({ codeActivation: 'relu' })).toBe(
      'codeActivation: the kl sparsity penalty needs a sigmoid code (activations in (0, 1)), got relu; use --code-activation sigmoid or --penalty l1',
    );
    expect(message({ penalty: 'kl', codeActivation: 'linear' })).toMatch(/^codeActivation: .*got linear/);
  });
});

describe('sparse terms', () => {
  it('a training step reports the penalty and the code statistics', () => {
    const step = buildStepGraph(sparse({ hidden: [16], latent: 8 }), { kind: 'adam', lr: 1e-3 });
    expect(Object.keys(step.outputs).filter((k) => !k.startsWith('next:'))).toEqual(['loss', 'recon', 'mse', 'sparsity', 'mean_activation', 'active_fraction']);
    expect(ACTIVE_THRESHOLD).toBe(0.1);
  });
});

// ---------------------------------------------------------------- the family property

/** CI-sized: 3,000 training digits, 784-128-64 nets with a sigmoid code, 4 epochs of batch 64, 500 test digits. */
const BODY = { hidden: [128], latent: 64, codeActivation: 'sigmoid' } as const;
const EPOCHS = 4;

const trainAndEvaluate = (model: SparseAe, train: Dataset, test: Dataset): Promise<TermValues> =>
  fitAndEvaluate(model, train, test, { epochs: EPOCHS, batchSize: 64, seed: 0, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr: 1e-3 } });

describe('sparse property (bundled MNIST digits)', () => {
  const { train, test } = bundledMnistSubset(3000, 500);

  it('the kl penalty (default λ, ρ) gives a lower mean code activation on test digits than the same net with λ = 0', async () => {
    const t0 = performance.now();
    const s = await trainAndEvaluate(sparse(BODY), train, test);
    const a = await trainAndEvaluate(sparse({ ...BODY, lambda: 0 }), train, test);
    console.log(
      `sparse property: mean_activation sparse ${s['mean_activation']!.toFixed(4)} vs ae ${a['mean_activation']!.toFixed(4)}; ` +
        `active_fraction ${s['active_fraction']!.toFixed(3)} vs ${a['active_fraction']!.toFixed(3)}; recon ${s['recon']!.toFixed(1)} vs ${a['recon']!.toFixed(1)} ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    expect(s['mean_activation']!).toBeLessThan(a['mean_activation']!);
    expect(s['active_fraction']!).toBeLessThan(a['active_fraction']!);
  }, 120_000);
});
