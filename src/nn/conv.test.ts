import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.js';
import { type GradCheckInput, gradCheck } from '../autodiff/gradcheck.js';
import type { Dataset } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { Graph, type Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import type { Batch, Terms, TrainableModel } from '../models/types.js';
import { Program } from '../runtime/program.js';
import { Trainer } from '../train/trainer.js';
import { Builder, fillNoise } from './builder.js';
import { type ChwShape, type ConvStackSpec, type DecoderUpsampling, batchNorm, conv2d, convStack, deconvStack, dropout, flatten, maxPool2d, planConvStack, unflatten } from './conv.js';
import { dense } from './layers.js';
import { Rng } from './rng.js';
import { nodeBackend, Tensor } from '../runtime/node.js';

const keras: ConvStackSpec = { channels: [32, 64], kernel: 3, stride: 2 };

/** Encoder then mirrored decoder on a fresh graph; returns the declared shapes and the run-time ones. */
async function roundTrip(chw: ChwShape, spec: ConvStackSpec, upsample: DecoderUpsampling): Promise<{ code: Value; out: Value; runOut: readonly number[] }> {
  const g = new Graph();
  const b = new Builder(g, 'train');
  const plan = planConvStack(chw, spec);
  const x = g.input('x', ['B', ...chw]);
  const code = convStack(b.scope('enc'), x, plan);
  const out = deconvStack(b.scope('dec'), code, plan, { upsample });
  const p = await Program.compile('rt', { out }, { backend: nodeBackend, threads: 1 });
  const rng = new Rng(1);
  const feeds: Record<string, Tensor> = { x: new Tensor('float32', rng.fillNormal(new Float32Array(2 * chw[0] * chw[1] * chw[2])), [2, ...chw]) };
  for (const { spec: ps } of b.paramValues()) feeds[ps.name] = new Tensor('float32', ps.init(rng, ps.shape), [...ps.shape]);
  const runOut = (await p.run(feeds))['out']!.dims;
  await p.release();
  return { code, out, runOut };
}

describe('conv stacks infer their shapes from channel lists', () => {
  it('28×28×1 with channels 32,64, kernel 3, stride 2 (the Keras VAE encoder): 14×14×32 then 7×7×64', () => {
    const plan = planConvStack([1, 28, 28], keras);
    expect(plan.stages.map((s) => s.output)).toEqual([
      [32, 14, 14],
      [64, 7, 7],
    ]);
    expect(plan.output).toEqual([64, 7, 7]);
  });

  it('32×32×3 gives 16×16×32 then 8×8×64; valid padding gives 15×15 then 7×7', () => {
    expect(planConvStack([3, 32, 32], keras).output).toEqual([64, 8, 8]);
    expect(planConvStack([3, 32, 32], { ...keras, padding: 'valid' }).stages.map((s) => s.output)).toEqual([
      [32, 15, 15],
      [64, 7, 7],
    ]);
  });

  for (const [chw, spec] of [
    [[1, 28, 28], keras],
    [[3, 32, 32], keras],
    [[1, 27, 25], { channels: [8, 16, 16], kernel: 3, stride: 2 }],
    [[3, 29, 30], { channels: [4, 8], kernel: 5, stride: 3, padding: 'valid' }],
  ] as [ChwShape, ConvStackSpec][]) {
    for (const upsample of ['transpose', 'nearest', 'bilinear'] as const) {
      it(`the ${upsample} decoder mirrors ${chw.join('×')} ${spec.padding ?? 'same'} k${spec.kernel} s${spec.stride} back to its input shape (declared and in ONNX Runtime)`, async () => {
        const { code, out, runOut } = await roundTrip(chw, spec, upsample);
        expect(code.shape).toEqual(['B', ...planConvStack(chw, spec).output]);
        expect(out.shape).toEqual(['B', ...chw]);
        expect(runOut).toEqual([2, ...chw]);
      });
    }
  }
});

describe('conv stacks that cannot fit the image fail in one line naming the layer, the shapes and the fix', () => {
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      const m = (e as Error).message;
      expect(m).not.toContain('\n');
      return m;
    }
    throw new Error('expected a UsageError');
  };

  it('a kernel larger than its input', () => {
    expect(message(() => planConvStack([1, 28, 28], { channels: [8], kernel: 31, stride: 1 }))).toBe(
      'conv layer 1 of 1 (1→8 channels): kernel 31×31 is larger than its 28×28 input (image 1×28×28, channels 8); use a kernel of at most 28',
    );
  });

  it('a stride that leaves no room for a second output position', () => {
    expect(message(() => planConvStack([3, 8, 8], { channels: [8], kernel: 3, stride: 9 }))).toBe(
      'conv layer 1 of 1 (3→8 channels): stride 9 is larger than its 8×8 input, leaving no room for a second output position (image 3×8×8, channels 8); use a stride of at most 8',
    );
    expect(message(() => planConvStack([1, 28, 28], { channels: [8, 16, 32], kernel: 2, stride: 5 }))).toBe(
      'conv layer 3 of 3 (16→32 channels): stride 5 is larger than its 2×2 input, leaving no room for a second output position (image 1×28×28, channels 8,16,32); use at most 2 layers (--conv with 2 channel counts) or a smaller stride',
    );
  });

  it('a channel list with more layers than the image fits', () => {
    expect(message(() => planConvStack([1, 28, 28], { channels: [8, 16, 32, 64, 128], kernel: 3, stride: 2 }))).toBe(
      'conv layer 5 of 5 (64→128 channels): kernel 3×3 is larger than its 2×2 input (image 1×28×28, channels 8,16,32,64,128); use at most 4 layers (--conv with 4 channel counts) or a smaller kernel',
    );
  });

  it('single layers name their scope: a conv2d or pooling kernel larger than its input', () => {
    const g = new Graph();
    const x = g.input('x', ['B', 2, 3, 4]);
    expect(message(() => conv2d(new Builder(g, 'train').scope('enc').scope('0'), x, 8, { kernel: 5 }))).toBe(
      'conv2d enc.0: kernel 5×5 is larger than its 3×4 input; use a kernel of at most 3×4 or fewer strided layers before it',
    );
    expect(message(() => maxPool2d(x, { kernel: [2, 5] }))).toBe('maxPool2d: kernel 2×5 is larger than its 3×4 input; use a kernel of at most 3×4 or fewer strided layers before it');
  });

  it('bad numbers and non-image samples', () => {
    expect(message(() => planConvStack([784], keras))).toBe('conv layers need [C, H, W] images, got samples of shape [784]');
    expect(message(() => planConvStack([1, 28, 28], { ...keras, channels: [32, 0] }))).toBe('conv channels must be positive integers (got 32,0)');
    expect(message(() => planConvStack([1, 28, 28], { ...keras, stride: 0 }))).toBe('conv stride must be a positive integer (got 0)');
  });

  it('an image that does not match the plan', () => {
    const g = new Graph();
    const plan = planConvStack([1, 28, 28], keras);
    expect(message(() => convStack(new Builder(g, 'train'), g.input('x', ['B', 3, 28, 28]), plan))).toBe(
      'convStack: images [3, 28, 28] do not match the [1, 28, 28] the layers were planned for',
    );
  });
});

describe('batch norm and dropout', () => {
  it('train mode normalises each channel over the batch and moves the running statistics; eval mode uses them', async () => {
    const g = new Graph();
    const b = new Builder(g, 'train');
    const x = g.input('x', ['B', 2, 3, 3]);
    const y = batchNorm(b.scope('bn'), x, { momentum: 0.25 });
    const next = [...b.states.values()].map((s) => s.next!);
    expect([...b.states.keys()]).toEqual(['bn.running_mean', 'bn.running_var']);
    const p = await Program.compile('bn', { y, mean: next[0]!, var: next[1]! }, { backend: nodeBackend, threads: 1 });
    const n = 4;
    const xs = Float32Array.from({ length: n * 18 }, (_, i) => Math.sin(i * 1.7) * 3 + (Math.floor(i / 9) % 2 === 1 ? 5 : 0));
    const out = await p.run({
      x: new Tensor('float32', xs, [n, 2, 3, 3]),
      'bn.gamma': new Tensor('float32', Float32Array.of(1, 1), [2]),
      'bn.beta': new Tensor('float32', Float32Array.of(0, 0), [2]),
      'bn.running_mean': new Tensor('float32', Float32Array.of(1, -1), [2]),
      'bn.running_var': new Tensor('float32', Float32Array.of(2, 3), [2]),
    });
    for (let c = 0; c < 2; c++) {
      const vals: number[] = [];
      for (let s = 0; s < n; s++) for (let k = 0; k < 9; k++) vals.push(xs[s * 18 + c * 9 + k]!);
      const mean = vals.reduce((p2, q) => p2 + q, 0) / vals.length;
      const unbiased = vals.reduce((p2, q) => p2 + (q - mean) ** 2, 0) / (vals.length - 1);
      expect((out['mean']!.data as Float32Array)[c]).toBeCloseTo(0.75 * [1, -1][c]! + 0.25 * mean, 5);
      expect((out['var']!.data as Float32Array)[c]).toBeCloseTo(0.75 * [2, 3][c]! + 0.25 * unbiased, 4);
      const ys: number[] = [];
      for (let s = 0; s < n; s++) for (let k = 0; k < 9; k++) ys.push((out['y']!.data as Float32Array)[s * 18 + c * 9 + k]!);
      expect(ys.reduce((p2, q) => p2 + q, 0) / ys.length).toBeCloseTo(0, 5);
      expect(ys.reduce((p2, q) => p2 + q * q, 0) / ys.length).toBeCloseTo(1, 3);
    }
    await p.release();

    const ge = new Graph();
    const be = new Builder(ge, 'eval');
    const ye = batchNorm(be.scope('bn'), ge.input('x', ['B', 2, 1, 1]));
    expect(ye.producer!.op).toBe('BatchNormalization');
    const pe = await Program.compile('bn.eval', { y: ye }, { backend: nodeBackend, threads: 1 });
    const oe = await pe.run({
      x: new Tensor('float32', Float32Array.of(3, 5), [1, 2, 1, 1]),
      'bn.gamma': new Tensor('float32', Float32Array.of(2, 1), [2]),
      'bn.beta': new Tensor('float32', Float32Array.of(0.5, 0), [2]),
      'bn.running_mean': new Tensor('float32', Float32Array.of(1, -1), [2]),
      'bn.running_var': new Tensor('float32', Float32Array.of(4, 9), [2]),
    });
    expect((oe['y']!.data as Float32Array)[0]).toBeCloseTo(2 * (2 / Math.sqrt(4 + 1e-5)) + 0.5, 5);
    expect((oe['y']!.data as Float32Array)[1]).toBeCloseTo(6 / Math.sqrt(9 + 1e-5), 5);
    await pe.release();
  });

  it('convStack/deconvStack with batchNorm: running statistics per layer as model state, updated in training, read in eval graphs', () => {
    const plan = planConvStack([1, 8, 8], { channels: [4, 8], kernel: 3, stride: 2 });
    const build = (mode: 'train' | 'eval'): Builder => {
      const g = new Graph();
      const b = new Builder(g, mode);
      deconvStack(b.scope('dec'), convStack(b.scope('enc'), g.input('x', ['B', 1, 8, 8]), plan, { batchNorm: true }), plan, { batchNorm: true });
      return b;
    };
    const train = build('train');
    expect([...train.states.keys()]).toEqual(['enc.0.bn.running_mean', 'enc.0.bn.running_var', 'enc.1.bn.running_mean', 'enc.1.bn.running_var', 'dec.0.bn.running_mean', 'dec.0.bn.running_var', 'dec.1.bn.running_mean', 'dec.1.bn.running_var']);
    expect([...train.states.values()].every((s) => s.next !== undefined)).toBe(true);
    expect(train.paramValues().map((p) => p.spec.name)).toContain('enc.1.bn.gamma');
    const evalB = build('eval');
    expect([...evalB.states.values()].every((s) => s.next === undefined)).toBe(true);
    expect(evalB.graph.nodes.filter((n) => n.op === 'BatchNormalization')).toHaveLength(4);
  });

  it('model state is declared once per name, apart from parameters, and updated at most once per step', () => {
    const g = new Graph();
    const b = new Builder(g, 'train');
    const s = b.state('s', [2], (_r, shape) => new Float32Array(shape[0]!));
    expect(b.state('s', [2], (_r, shape) => new Float32Array(shape[0]!))).toBe(s);
    expect(() => b.state('s', [3], (_r, shape) => new Float32Array(shape[0]!))).toThrow('state s: re-declared as [3], was [2]');
    b.param('p', [2], (_r, shape) => new Float32Array(shape[0]!));
    expect(() => b.state('p', [2], (_r, shape) => new Float32Array(shape[0]!))).toThrow('state p: a parameter has this name');
    expect(() => b.param('s', [2], (_r, shape) => new Float32Array(shape[0]!))).toThrow('param s: a model state has this name');
    expect(() => b.updateState('t', s)).toThrow('state t: updated before it was declared');
    b.updateState('s', op.mul(s, 2));
    expect(() => b.updateState('s', s)).toThrow('state s: updated twice in one step');
    expect(b.paramValues().map((p) => p.spec.name)).toEqual(['p']);
  });

  it('the train-mode batchNorm gradient (batch statistics over a symbolic batch) matches finite differences in x, γ and β', async () => {
    const r = new Rng(6);
    const x: GradCheckInput = { name: 'x', shape: ['B', 2, 3, 3], runShape: [3, 2, 3, 3], values: r.fillNormal(new Float32Array(54)) };
    const gamma: GradCheckInput = { name: 'gamma', shape: [2], runShape: [2], values: Float32Array.of(0.7, -1.3) };
    const beta: GradCheckInput = { name: 'beta', shape: [2], runShape: [2], values: Float32Array.of(0.2, 0.5) };
    const { maxError, worst } = await gradCheck([x, gamma, beta], (xv, gv, bv) => {
      const g = xv.graph;
      const states = new Map([
        ['bn.running_mean', g.constant(new Float32Array(2), [2])],
        ['bn.running_var', g.constant(Float32Array.of(1, 1), [2])],
      ]);
      const b = Builder.forStep(g, { suffix: '', params: new Map([['bn.gamma', gv], ['bn.beta', bv]]), states });
      return op.tanh(batchNorm(b.scope('bn'), xv));
    }, { backend: nodeBackend });
    expect(maxError, worst).toBeLessThan(1e-3);
  });

  it('dropout is a seeded noise input in training (mask 0 or 1/keep, mean ≈ 1) and the identity in eval graphs', () => {
    const g = new Graph();
    const b = new Builder(g, 'train');
    const x = g.input('x', ['B', 4, 5, 5]);
    const y = dropout(b.scope('enc'), x, 0.25);
    const noise = b.noises.get('noise.enc.dropout')!;
    expect(noise.value.shape).toEqual(['B', 4, 5, 5]);
    expect(y.producer!.op).toBe('Mul');
    const draw = (seed: number): Float32Array => {
      const out = new Float32Array(64 * 100);
      fillNoise(noise.spec, new Rng(seed), out, 64, null);
      return out;
    };
    const m = draw(3);
    expect(new Set(m)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    expect(m.reduce((p, q) => p + q, 0) / m.length).toBeCloseTo(1, 1);
    expect(draw(3)).toEqual(m);
    const ge = new Graph();
    const xe = ge.input('x', ['B', 4]);
    expect(dropout(new Builder(ge, 'eval'), xe, 0.5)).toBe(xe);
  });
});

/** A tiny conv autoencoder on 8×8 images: conv 4, 8 (k3 s2) → dense 6 → dense → mirrored transposed convs. */
class TinyConvAe implements TrainableModel {
  readonly family = 'tiny-conv-ae';
  readonly inputShape = [1, 8, 8];
  readonly numClasses = 0;
  readonly trainTerms = ['loss'];
  private readonly plan = planConvStack([1, 8, 8], { channels: [4, 8], kernel: 3, stride: 2 });

  terms(b: Builder, batch: Batch): Terms {
    const e = b.scope('enc');
    const z = dense(e.scope('code'), flatten(convStack(e, batch.x, this.plan)), 6);
    const d = b.scope('dec');
    const h = unflatten(op.relu(dense(d.scope('code'), z, 8 * 2 * 2)), this.plan.output);
    const logits = deconvStack(d, h, this.plan);
    const diff = op.sub(op.sigmoid(logits), batch.x);
    return { loss: op.div(op.reduceSum(op.square(diff)), op.cast(op.sizeOf(op.reduceSum(diff, [1, 2, 3])), 'float32')) };
  }
}

describe('a tiny conv autoencoder built from nn/ trains through compileTraining', () => {
  it('its reconstruction loss falls every epoch and ends below half the mean image’s (Adam, batch 16, chains of 2 steps)', async () => {
    // 64 images: a bright square at a random position.
    const rng = new Rng(11);
    const x = new Float32Array(64 * 64);
    for (let i = 0; i < 64; i++) {
      const [r, c] = [rng.int(5), rng.int(5)];
      for (let dr = 0; dr < 4; dr++) for (let dc = 0; dc < 4; dc++) x[i * 64 + (r + dr) * 8 + c + dc] = 1;
    }
    const data: Dataset = { name: 'squares', n: 64, sampleShape: [1, 8, 8], x };
    // The best input-blind reconstruction, the mean image, has per-sample error Σ_i Var(x_i).
    let meanImageError = 0;
    for (let p = 0; p < 64; p++) {
      let m = 0;
      for (let i = 0; i < 64; i++) m += x[i * 64 + p]! / 64;
      meanImageError += m * (1 - m);
    }
    const trainer = await Trainer.create(new TinyConvAe(), { batchSize: 16, seed: 1, optimizer: { kind: 'adam', lr: 0.01 }, backend: nodeBackend, threads: 1, stepsPerRun: 2 });
    const losses: number[] = [];
    for (let epoch = 1; epoch <= 12; epoch++) losses.push((await trainer.trainEpoch(data, 12)).train['loss']!);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    expect(losses.at(-1)!).toBeLessThan(0.5 * meanImageError);
    await trainer.release();
  });
});

/** The tiny conv AE with a contractive penalty λ·Σ_j ‖∂code_j/∂x‖²: second derivatives through Conv in every step. */
class TinyConvCae extends TinyConvAe {
  override readonly trainTerms = ['loss', 'recon', 'penalty'];
  constructor(private readonly lambda: number) {
    super();
  }

  override terms(b: Builder, batch: Batch): Terms {
    const plan = planConvStack([1, 8, 8], { channels: [4, 8], kernel: 3, stride: 2 });
    const e = b.scope('enc');
    const code = op.tanh(dense(e.scope('code'), flatten(convStack(e, batch.x, plan)), 4));
    const g = code.graph;
    let penalty: Value | undefined;
    for (let j = 0; j < 4; j++) {
      const seed = op.expandAs(g.constant(Float32Array.from({ length: 4 }, (_, k) => (k === j ? 1 : 0)), [1, 4]), code);
      const [row] = grad(code, [batch.x], seed);
      const sq = op.reduceSum(op.square(row!), [1, 2, 3]);
      penalty = penalty ? op.add(penalty, sq) : sq;
    }
    const d = b.scope('dec');
    const logits = deconvStack(d, unflatten(op.relu(dense(d.scope('code'), code, 8 * 2 * 2)), plan.output), plan);
    const recon = op.reduceMean(op.reduceSum(op.square(op.sub(op.sigmoid(logits), batch.x)), [1, 2, 3]), [0]);
    const pen = op.reduceMean(penalty!, [0]);
    return { loss: op.add(recon, op.mul(pen, this.lambda)), recon, penalty: pen };
  }
}

describe('a contractive penalty on a conv encoder (gradients of gradients through Conv)', () => {
  it('trains through compileTraining, and λ = 0.5 ends with a smaller Jacobian norm than λ = 0', async () => {
    const rng = new Rng(12);
    const x = new Float32Array(32 * 64);
    for (let i = 0; i < 32; i++) {
      const [r, c] = [rng.int(5), rng.int(5)];
      for (let dr = 0; dr < 4; dr++) for (let dc = 0; dc < 4; dc++) x[i * 64 + (r + dr) * 8 + c + dc] = 1;
    }
    const data: Dataset = { name: 'squares', n: 32, sampleShape: [1, 8, 8], x };
    const final: Record<string, number>[] = [];
    for (const lambda of [0, 0.5]) {
      const trainer = await Trainer.create(new TinyConvCae(lambda), { batchSize: 16, seed: 2, optimizer: { kind: 'adam', lr: 0.01 }, backend: nodeBackend, threads: 1, stepsPerRun: 1 });
      let first: Record<string, number> | undefined;
      let last: Record<string, number> = {};
      for (let epoch = 1; epoch <= 8; epoch++) {
        last = (await trainer.trainEpoch(data, 8)).train;
        first ??= last;
      }
      expect(last['loss']!).toBeLessThan(first!['loss']!);
      final.push(last);
      await trainer.release();
    }
    expect(final[1]!['penalty']!).toBeLessThan(0.5 * final[0]!['penalty']!);
  });
});
