import { describe, expect, it } from 'vitest';
import { Graph, type Value } from '../graph/graph.js';
import * as sp from '../graph/spatial.js';
import type { Window } from '../graph/spatial.js';
import { weightGradIm2colBatched, weightGradIm2colGemm, weightGradIm2colOutput, weightGradTransposed } from './conv-weight-grad.js';
import * as op from '../graph/ops.js';
import { Rng } from '../nn/rng.js';
import { Program } from '../runtime/program.js';
import { grad } from './grad.js';
import { type GradCheckInput, gradCheck } from './gradcheck.js';
import { type RuleTable, rules } from './rules.js';
import { nodeBackend, Tensor } from '../runtime/node.js';

const TOL = 1e-3;

/** A static input with values drawn by `draw` (default N(0,1)). */
function input(name: string, shape: number[], draw?: (r: Rng) => number, seed = 7): GradCheckInput {
  const r = new Rng(`${name}:${seed}`);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = draw ? Float32Array.from({ length: n }, () => draw(r)) : r.fillNormal(new Float32Array(n));
  return { name, shape, runShape: shape, values };
}
const positive = (r: Rng): number => 0.5 + 1.5 * r.uniform();
/** Values at least 0.2 away from 0, for ops with a kink there. */
const awayFromZero = (r: Rng): number => (r.uniform() < 0.5 ? -1 : 1) * (0.2 + r.uniform());

/** The rules with `opName`'s rule made wrong by 1% (every adjoint it returns scaled by 1.01). */
function wrongBy1Percent(opName: string): RuleTable {
  const rule = rules[opName]!;
  return { ...rules, [opName]: (n, g, needs) => rule(n, g, needs).map((v) => (v ? op.mul(v, 1.01) : v)) };
}

/**
 * The gradient of Σ f(x) ⊙ R (R fixed random, see gradCheck) matches central differences
 * within TOL, and the same gradient with `opName`'s rule wrong by 1% does not (so the check can tell).
 */
async function expectGrad(opName: string, inputs: GradCheckInput[], f: (...xs: Value[]) => Value): Promise<void> {
  const { maxError, worst, altMaxError } = await gradCheck(inputs, f, { backend: nodeBackend, alt: wrongBy1Percent(opName) });
  expect(maxError, worst).toBeLessThan(TOL);
  expect(altMaxError, `${opName} rule wrong by 1% must fail the check`).toBeGreaterThan(TOL);
}

describe('every op gradient matches central finite differences', () => {
  const a = input('a', [3, 4]);
  const b = input('b', [3, 4]);
  it('Add with broadcasting ([3,4] + [4])', () => expectGrad('Add', [a, input('r', [4])], op.add));
  it('Sub with broadcasting ([3,4] - [3,1])', () => expectGrad('Sub', [a, input('c', [3, 1])], op.sub));
  it('Mul with broadcasting ([3,4] * [1,4])', () => expectGrad('Mul', [a, input('r', [1, 4])], op.mul));
  it('Div', () => expectGrad('Div', [a, input('p', [3, 4], positive)], op.div));
  it('Pow (both operands)', () => expectGrad('Pow', [input('p', [3, 4], positive), input('e', [3, 4], (r) => r.uniform() * 2)], op.pow));
  it('Neg', () => expectGrad('Neg', [a], op.neg));
  it('Exp', () => expectGrad('Exp', [a], op.exp));
  it('Log', () => expectGrad('Log', [input('p', [3, 4], positive)], op.log));
  it('Sqrt', () => expectGrad('Sqrt', [input('p', [3, 4], positive)], op.sqrt));
  it('Abs', () => expectGrad('Abs', [input('k', [3, 4], awayFromZero)], op.abs));
  it('Relu', () => expectGrad('Relu', [input('k', [3, 4], awayFromZero)], op.relu));
  it('LeakyRelu', () => expectGrad('LeakyRelu', [input('k', [3, 4], awayFromZero)], (x) => op.leakyRelu(x, 0.2)));
  it('Sigmoid', () => expectGrad('Sigmoid', [a], op.sigmoid));
  it('Tanh', () => expectGrad('Tanh', [a], op.tanh));
  it('Softplus', () => expectGrad('Softplus', [a], op.softplus));
  it('Softmax (axis -1)', () => expectGrad('Softmax', [a], (x) => op.softmax(x, -1)));
  it('Softmax (axis 0)', () => expectGrad('Softmax', [a], (x) => op.softmax(x, 0)));
  it('LogSoftmax', () => expectGrad('LogSoftmax', [a], (x) => op.logSoftmax(x, 1)));
  it('ReduceSum (axis 1)', () => expectGrad('ReduceSum', [a], (x) => op.reduceSum(x, [1])));
  it('ReduceSum (keepdims, axis 0)', () => expectGrad('ReduceSum', [a], (x) => op.mul(op.reduceSum(x, [0], true), x)));
  it('ReduceMean (all axes)', () => expectGrad('ReduceMean', [a], (x) => op.mul(op.reduceMean(x), op.reduceSum(op.square(x)))));
  it('ReduceMax', () => expectGrad('ReduceMax', [a], (x) => op.reduceMax(x, [1])));
  it('Reshape', () => expectGrad('Reshape', [a], (x) => op.reshape(x, [2, 6])));
  it('Transpose', () => expectGrad('Transpose', [input('t', [2, 3, 4])], (x) => op.transpose(x, [2, 0, 1])));
  it('Concat', () => expectGrad('Concat', [a, input('c', [3, 2])], (x, y) => op.concat([x, y], 1)));
  it('Slice', () => expectGrad('Slice', [a], (x) => op.slice(x, 1, 1, 3)));
  it('Slice with step −1 (flip of axes 0 and 1)', () => expectGrad('Slice', [input('t', [2, 3, 4])], (x) => op.flip(x, [0, 1])));
  it('Pad', () => expectGrad('Pad', [a], (x) => op.pad(x, [1, 0], [0, 2])));
  it('Where', () => expectGrad('Where', [a, b], (x, y) => op.where(op.greater(x, y), op.mul(x, y), op.exp(y))));
  it('Clip', () => expectGrad('Clip', [input('k', [3, 4], (r) => (r.uniform() - 0.5) * 4)], (x) => op.clip(x, -0.7, 0.9)));
  it('Expand', () => expectGrad('Expand', [input('r', [1, 4]), a], (x, y) => op.mul(op.expandAs(x, y), y)));
  it('Identity', () => expectGrad('Identity', [a], op.identity));
  it('MatMul with batch broadcasting ([2,3,4] · [4,5])', () => expectGrad('MatMul', [input('t', [2, 3, 4]), input('m', [4, 5])], op.matmul));
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`Gemm transA=${transA} transB=${transB} with bias`, () =>
        expectGrad('Gemm', [input('A', transA ? [4, 3] : [3, 4]), input('B', transB ? [5, 4] : [4, 5]), input('C', [5])], (x, y, c) => op.gemm(x, y, c, { transA, transB })));
    }
  }
});

/** Distinct values 0.05 apart in a random order, so a ±h step never changes a window's maximum. */
function distinct(name: string, shape: number[]): GradCheckInput {
  const n = shape.reduce((p, q) => p * q, 1);
  const perm = new Rng(name).permutation(n);
  return { name, shape, runShape: shape, values: Float32Array.from(perm, (k) => (k - n / 2) * 0.05) };
}
/** A [B, ...shape] input fed with `batch` rows. */
function batched(name: string, shape: number[], batch = 2): GradCheckInput {
  const run = [batch, ...shape];
  return { ...input(name, run), shape: ['B', ...shape] };
}

describe('every spatial op gradient matches central finite differences', () => {
  const x = batched('x', [3, 7, 7]);
  const w = input('w', [4, 3, 3, 3]);
  const bias = input('b', [4]);
  it('Conv 3 → 2 channels, stride 1, SAME (W̄ by im2col of ȳ)', () => expectGrad('Conv', [x, input('w2', [2, 3, 3, 3])], (xv, wv) => sp.conv(xv, wv, undefined, { padding: 'same' })));
  it('Conv, stride 1, valid, with bias', () => expectGrad('Conv', [x, w, bias], (xv, wv, bv) => sp.conv(xv, wv, bv)));
  it('Conv, stride 1, SAME, dilation [2, 1], pads [2, 1, 2, 1] (x̄ as a flipped-kernel Conv)', () =>
    expectGrad('Conv', [x, w], (xv, wv) => sp.conv(xv, wv, undefined, { dilations: [2, 1], padding: [2, 1, 2, 1] })));
  it('Conv, stride 1, pads beyond the kernel reach (x̄ as a ConvTranspose)', () => expectGrad('Conv', [x, w], (xv, wv) => sp.conv(xv, wv, undefined, { padding: [3, 0, 0, 0] })));
  it('Conv, stride 2, SAME (7 → 4)', () => expectGrad('Conv', [x, w], (xv, wv) => sp.conv(xv, wv, undefined, { strides: 2, padding: 'same' })));
  it('Conv, stride [2, 3], dilation 2, pads [1, 0, 2, 1]', () =>
    expectGrad('Conv', [x, w], (xv, wv) => sp.conv(xv, wv, undefined, { strides: [2, 3], dilations: 2, padding: [1, 0, 2, 1] })));
  it('Conv, 2×4 kernel, stride 3 leaving rows unused', () => expectGrad('Conv', [x, input('w', [2, 3, 2, 4])], (xv, wv) => sp.conv(xv, wv, undefined, { strides: 3 })));
  const t = batched('t', [4, 4, 4]);
  const tw = input('tw', [4, 3, 3, 3]);
  it('ConvTranspose, stride 2, pads 1, output padding 1 (4 → 8), with bias', () =>
    expectGrad('ConvTranspose', [t, tw, input('tb', [3])], (xv, wv, bv) => sp.convTranspose(xv, wv, bv, { strides: 2, padding: 1, outputPadding: 1 })));
  it('ConvTranspose, stride 1, dilation 2', () => expectGrad('ConvTranspose', [t, tw], (xv, wv) => sp.convTranspose(xv, wv, undefined, { dilations: 2 })));
  it('ConvTranspose, SAME, stride [2, 3]', () => expectGrad('ConvTranspose', [t, tw], (xv, wv) => sp.convTranspose(xv, wv, undefined, { strides: [2, 3], padding: 'same' })));
  const d = distinct('d', [2, 3, 6, 6]);
  it('MaxPool 2×2, stride 2', () => expectGrad('MaxPool', [d], (v) => sp.maxPool(v, { kernel: 2 })));
  it('MaxPool 2×3, stride [2, 3] (tiling windows)', () => expectGrad('MaxPool', [d], (v) => sp.maxPool(v, { kernel: [2, 3] })));
  it('MaxPool 2×2 on 7×7 (last row and column unread: the scatter path)', () => expectGrad('MaxPool', [distinct('d7', [2, 3, 7, 7])], (v) => sp.maxPool(v, { kernel: 2 })));
  it('MaxPool 3×3, stride 2, pads 1 (overlapping windows)', () => expectGrad('MaxPool', [d], (v) => sp.maxPool(v, { kernel: 3, strides: 2, padding: 1 })));
  it('AveragePool 2×2, stride 2', () => expectGrad('AveragePool', [x], (v) => sp.averagePool(v, { kernel: 2 })));
  it('AveragePool 3×3, stride 2, SAME (padding not counted)', () => expectGrad('AveragePool', [x], (v) => sp.averagePool(v, { kernel: 3, strides: 2, padding: 'same' })));
  it('Resize nearest ×2', () => expectGrad('Resize', [x], (v) => sp.resize(v, 2, 'nearest')));
  it('Resize nearest ×[3, 2]', () => expectGrad('Resize', [x], (v) => sp.resize(v, [3, 2], 'nearest')));
  it('Resize linear ×2', () => expectGrad('Resize', [x], (v) => sp.resize(v, 2, 'linear')));
  it('Resize linear ×[3, 2]', () => expectGrad('Resize', [x], (v) => sp.resize(v, [3, 2], 'linear')));
  it('BatchNormalization (inference form), all five inputs', () =>
    expectGrad('BatchNormalization', [batched('x', [3, 4, 4]), input('s', [3]), input('b', [3]), input('m', [3]), input('v', [3], positive)], (xv, s, bv, m, v) => sp.batchNormInference(xv, s, bv, m, v)));
  it('GatherElements (axis 1, a repeated index)', () =>
    expectGrad('GatherElements', [input('g', [3, 4])], (v) => sp.gatherElements(v, op.reshape(v.graph.ints([0, 3, 2, 2, 1, 0]), [3, 2]), 1)));
  it('ScatterElements (reduction add, axis 1)', () =>
    expectGrad('ScatterElements', [input('g', [3, 4]), input('u', [3, 2])], (v, u) => sp.scatterAdd(v, op.reshape(v.graph.ints([0, 3, 2, 2, 1, 0]), [3, 2]), u, 1)));
});

describe('spatial second order and weight-gradient formulations', () => {
  for (const [what, wShape, strides] of [
    ['stride 2', [3, 2, 3, 3], 2],
    ['stride 1, fewer outputs than inputs', [1, 2, 3, 3], 1],
  ] as const) {
    it(`second order through Conv (${what}): a contractive penalty ‖∂/∂x Σ σ(conv(x, W))‖² differentiates in x and W`, async () => {
      const x = batched('x', [2, 5, 5]);
      const W = input('W', [...wShape]);
      const { maxError, worst } = await gradCheck([x, W], (xv, Wv) => {
        const s = op.reduceSum(op.sigmoid(sp.conv(xv, Wv, undefined, { strides, padding: 1 })));
        const [gx] = grad(s, [xv]);
        const [gW] = grad(s, [Wv]);
        return op.add(op.reduceSum(op.square(gx!)), op.reduceSum(op.square(gW!)));
      }, { backend: nodeBackend });
      expect(maxError, worst).toBeLessThan(TOL);
    });
  }

  it('second order through ConvTranspose, AveragePool and Resize', async () => {
    const z = batched('z', [2, 3, 3]);
    const W = input('W', [2, 2, 3, 3]);
    const { maxError, worst } = await gradCheck([z, W], (zv, Wv) => {
      const up = sp.convTranspose(zv, Wv, undefined, { strides: 2, padding: 1, outputPadding: 1 });
      const s = op.reduceSum(op.tanh(sp.resize(sp.averagePool(up, { kernel: 3, strides: 2, padding: 'same' }), 2, 'linear')));
      const [gz] = grad(s, [zv]);
      return op.square(gz!);
    }, { backend: nodeBackend });
    expect(maxError, worst).toBeLessThan(TOL);
  });

  for (const [what, opts] of [
    ['overlapping windows: GatherElements ↔ ScatterElements', { kernel: 3, strides: 1, padding: 1 }],
    ['tiling windows: Equal and Where', { kernel: 2 }],
  ] as const) {
    it(`second order through MaxPool (${what})`, async () => {
      const { maxError, worst } = await gradCheck([distinct('d', [2, 2, 4, 4])], (x) => {
        const [gx] = grad(op.reduceSum(op.tanh(sp.maxPool(x, opts))), [x]);
        return op.mul(gx!, x);
      }, { backend: nodeBackend });
      expect(maxError, worst).toBeLessThan(TOL);
    });
  }

  for (const [what, win] of [
    ['stride 2, pads [1, 1, 0, 0]', { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1] }],
    ['stride 1, 3×2 kernel, dilation [1, 2], pads [1, 0, 2, 2]', { kernel: [3, 2], strides: [1, 1], pads: [1, 0, 2, 2], dilations: [1, 2] }],
  ] as [string, Window][]) {
    it(`the weight-gradient formulations give the same W̄ (${what})`, async () => {
      const g = new Graph();
      const x = g.input('x', ['B', 3, 9, 9]);
      const [oh, ow] = [0, 1].map((a) => Math.floor((9 + win.pads[a]! + win.pads[a + 2]! - win.dilations[a]! * (win.kernel[a]! - 1) - 1) / win.strides[a]!) + 1);
      const gy = g.input('gy', ['B', 2, oh!, ow!]);
      const outputs: Record<string, Value> = { a: weightGradIm2colBatched(x, gy, win), b: weightGradIm2colGemm(x, gy, win), c: weightGradTransposed(x, gy, win) };
      if (win.strides[0] === 1) outputs['d'] = weightGradIm2colOutput(x, gy, win);
      const p = await Program.compile('wg', outputs, { backend: nodeBackend, threads: 1 });
      const r = new Rng(5);
      const out = await p.run({ x: new Tensor('float32', r.fillNormal(new Float32Array(3 * 243)), [3, 3, 9, 9]), gy: new Tensor('float32', r.fillNormal(new Float32Array(3 * 2 * oh! * ow!)), [3, 2, oh!, ow!]) });
      expect(out['a']!.dims).toEqual([2, 3, ...win.kernel]);
      const a = out['a']!.data as Float32Array;
      for (const k of Object.keys(outputs).slice(1)) (out[k]!.data as Float32Array).forEach((v, i) => expect(v, k).toBeCloseTo(a[i]!, 4));
      await p.release();
    });
  }
});

describe('autodiff structure', () => {
  it('ReduceMean over a symbolic batch dim uses the runtime count', async () => {
    const x: GradCheckInput = { name: 'x', shape: ['B', 3], runShape: [5, 3], values: new Rng(3).fillNormal(new Float32Array(15)) };
    const { maxError, worst } = await gradCheck([x], (v) => op.reduceMean(op.reduceSum(op.square(v), [1]), [0]), { backend: nodeBackend });
    expect(maxError, worst).toBeLessThan(TOL);
  });

  it('second order: the gradient of a gradient matches finite differences of the gradient', async () => {
    // h(x, W) = Σ_b ‖∂/∂x Σ sigmoid(xW)‖² — the contractive-penalty shape of computation.
    const x = input('x', [2, 3]);
    const W = input('W', [3, 4]);
    const { maxError, worst } = await gradCheck([x, W], (xv, Wv) => {
      const s = op.reduceSum(op.sigmoid(op.gemm(xv, Wv)));
      const [gx] = grad(s, [xv]);
      return op.reduceSum(op.square(gx!));
    }, { backend: nodeBackend });
    expect(maxError, worst).toBeLessThan(TOL);
  });

  it('only inputs on a path to the loss get gradient nodes; others get exact zeros', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 2]);
    const unused = g.input('u', [3]);
    const [gx, gu] = grad(op.reduceSum(op.square(x)), [x, unused]);
    const p = await Program.compile('t', { gx: gx!, gu: gu! }, { backend: nodeBackend, threads: 1 });
    const out = await p.run({ x: new Tensor('float32', Float32Array.of(1, 2, 3, 4), [2, 2]), u: new Tensor('float32', new Float32Array(3), [3]) });
    expect([...(out['gx']!.data as Float32Array)]).toEqual([2, 4, 6, 8]);
    expect([...(out['gu']!.data as Float32Array)]).toEqual([0, 0, 0]);
  });

  it('dense gradients use Gemm transpose flags, never Transpose nodes', () => {
    const g = new Graph();
    const x = g.input('x', ['B', 8]);
    const W = g.input('W', [8, 4]);
    const loss = op.reduceSum(op.relu(op.gemm(x, W)));
    grad(loss, [W, x]);
    expect(g.nodes.filter((n) => n.op === 'Transpose')).toHaveLength(0);
  });

  it('rejects a non-scalar loss without a seed', () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    expect(() => grad(op.exp(x), [x])).toThrow(/scalar/);
  });
});
