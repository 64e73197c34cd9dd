import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../../data/mnist.js';
import { subset } from '../../data/ops.js';
import { Codec } from '../../latent/codec.js';
import { iwaeNll } from '../../latent/likelihood.js';
import { unitVariances } from '../../latent/active-units.js';
import { Rng } from '../../nn/rng.js';
import { Trainer } from '../../train/trainer.js';
import { vaeConfigSchema } from './config.js';
import { Vae } from './model.js';
import { nodeBackend } from '../../runtime/node.js';

const { train, test } = loadBundledMnist();
const small = subset(train, 6000);
const testSmall = subset(test, 500);

async function trained(config: Record<string, unknown>, epochs: number) {
  const model = new Vae(vaeConfigSchema.parse({ inputShape: [784], hidden: [128], latent: 8, ...config }));
  const trainer = await Trainer.create(model, { batchSize: 64, seed: 3, backend: nodeBackend, threads: 2, optimizer: { kind: 'adam', lr: 2e-3 } });
  for (let e = 0; e < epochs; e++) await trainer.trainEpoch(small, epochs);
  return { model, trainer };
}

describe('vae', () => {
  it("the aggregate posterior's moments are close to N(0, I)", async () => {
    const { model, trainer } = await trained({}, 10);
    const codec = await Codec.compile(model, trainer.state, { backend: nodeBackend, threads: 2 });
    // Draw z ~ q(z|x) for every test x: z = μ + σ ε.
    const { mu, logVar } = await codec.encode(testSmall.x, testSmall.n);
    const rng = new Rng(9);
    const k = model.latentDim;
    const z = new Float32Array(mu!.length);
    const eps = rng.fillNormal(new Float32Array(mu!.length));
    for (let i = 0; i < z.length; i++) z[i] = mu![i]! + Math.exp(0.5 * logVar![i]!) * eps[i]!;
    const variances = unitVariances(z, testSmall.n, k);
    const means = new Float64Array(k);
    for (let i = 0; i < testSmall.n; i++) for (let u = 0; u < k; u++) means[u]! += z[i * k + u]! / testSmall.n;
    for (let u = 0; u < k; u++) {
      expect(Math.abs(means[u]!), `mean of unit ${u}`).toBeLessThan(0.3);
      expect(variances[u]!, `variance of unit ${u}`).toBeGreaterThan(0.5);
      expect(variances[u]!, `variance of unit ${u}`).toBeLessThan(2);
    }
    // Units are nearly uncorrelated: |corr(z_u, z_v)| small for every pair.
    for (let u = 0; u < k; u++) {
      for (let v = u + 1; v < k; v++) {
        let c = 0;
        for (let i = 0; i < testSmall.n; i++) c += (z[i * k + u]! - means[u]!) * (z[i * k + v]! - means[v]!);
        const corr = c / testSmall.n / Math.sqrt(variances[u]! * variances[v]!);
        expect(Math.abs(corr), `corr(z${u}, z${v})`).toBeLessThan(0.35);
      }
    }
    await codec.release();
    await trainer.release();
  }, 120_000);

  it('the IWAE bound with K = 20 is tighter than the ELBO, and training lowers the loss', async () => {
    const { model, trainer } = await trained({}, 3);
    const terms = await trainer.evaluate(testSmall);
    const nll = await iwaeNll(model, trainer.state, testSmall, 20, new Rng(1), { backend: nodeBackend, threads: 2 });
    expect(nll).toBeLessThan(terms['loss']!);
    expect(nll).toBeGreaterThan(terms['loss']! - 30);
    expect(terms['loss']!).toBeLessThan(250);
    await trainer.release();
  }, 120_000);

  it('KL warm-up weights the KL term by min(1, (step+1)/(warmup·steps per epoch))', async () => {
    const model = new Vae(vaeConfigSchema.parse({ inputShape: [784], hidden: [32], latent: 4, klWarmup: 2, beta: 0.5 }));
    const trainer = await Trainer.create(model, { batchSize: 100, seed: 1, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr: 1e-3 } });
    const sched = trainer.compiled.schedules.find((s) => s.name === 'sched.kl_weight')!;
    expect(sched.value({ step: 0, epoch: 1, stepsPerEpoch: 10, totalSteps: 50 })).toBeCloseTo(0.5 / 20);
    expect(sched.value({ step: 9, epoch: 1, stepsPerEpoch: 10, totalSteps: 50 })).toBeCloseTo(0.25);
    expect(sched.value({ step: 40, epoch: 5, stepsPerEpoch: 10, totalSteps: 50 })).toBeCloseTo(0.5);
    // After one warm-up epoch the training loss mixes recon and half-weighted KL.
    const r = await trainer.trainEpoch(subset(small, 1000), 2);
    expect(r.train['loss']!).toBeLessThan(r.train['recon']! + r.train['kl']!);
    await trainer.release();
  }, 60_000);

  it('a Gaussian decoder with learned variance trains and reports finite terms', async () => {
    const { trainer } = await trained({ likelihood: 'gaussian', learnVariance: true }, 1);
    const terms = await trainer.evaluate(testSmall);
    for (const v of Object.values(terms)) expect(Number.isFinite(v)).toBe(true);
    expect(trainer.state.has('dec.logvar')).toBe(true);
    await trainer.release();
  }, 60_000);

  it('rejects a negative β', () => {
    expect(() => vaeConfigSchema.parse({ beta: -1 })).toThrow(/non-negative/);
  });
});
