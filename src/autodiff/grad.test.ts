import { describe, expect, it } from 'vitest';
import { Graph, type Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { Rng } from '../nn/rng.js';
import { Program, Tensor } from '../runtime/program.js';
import { grad } from './grad.js';
import { type GradCheckInput, gradCheck } from './gradcheck.js';

const TOL = 2e-2;

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

/** Σ f(x) ⊙ R for a fixed random R: every output entry gets a distinct weight. */
function project(y: Value): Value {
  const r = new Rng('project');
  const shape = y.shape.map((d) => (typeof d === 'number' ? d : 1));
  const w = y.graph.constant(r.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
  return op.reduceSum(op.mul(y, w));
}

async function expectGrad(inputs: GradCheckInput[], f: (...xs: Value[]) => Value, opts?: { h?: number }): Promise<void> {
  const { maxError, worst } = await gradCheck(inputs, (...xs) => project(f(...xs)), opts);
  expect(maxError, worst).toBeLessThan(TOL);
}

describe('every op gradient matches central finite differences', () => {
  const a = input('a', [3, 4]);
  const b = input('b', [3, 4]);
  it('Add with broadcasting ([3,4] + [4])', () => expectGrad([a, input('r', [4])], op.add));
  it('Sub with broadcasting ([3,4] - [3,1])', () => expectGrad([a, input('c', [3, 1])], op.sub));
  it('Mul with broadcasting ([3,4] * [1,4])', () => expectGrad([a, input('r', [1, 4])], op.mul));
  it('Div', () => expectGrad([a, input('p', [3, 4], positive)], op.div));
  it('Pow (both operands)', () => expectGrad([input('p', [3, 4], positive), input('e', [3, 4], (r) => r.uniform() * 2)], op.pow));
  it('Neg', () => expectGrad([a], op.neg));
  it('Exp', () => expectGrad([a], op.exp));
  it('Log', () => expectGrad([input('p', [3, 4], positive)], op.log));
  it('Sqrt', () => expectGrad([input('p', [3, 4], positive)], op.sqrt));
  it('Abs', () => expectGrad([input('k', [3, 4], awayFromZero)], op.abs));
  it('Relu', () => expectGrad([input('k', [3, 4], awayFromZero)], op.relu));
  it('LeakyRelu', () => expectGrad([input('k', [3, 4], awayFromZero)], (x) => op.leakyRelu(x, 0.2)));
  it('Sigmoid', () => expectGrad([a], op.sigmoid));
  it('Tanh', () => expectGrad([a], op.tanh));
  it('Softplus', () => expectGrad([a], op.softplus));
  it('Softmax (axis -1)', () => expectGrad([a], (x) => op.softmax(x, -1)));
  it('Softmax (axis 0)', () => expectGrad([a], (x) => op.softmax(x, 0)));
  it('LogSoftmax', () => expectGrad([a], (x) => op.logSoftmax(x, 1)));
  it('ReduceSum (axis 1)', () => expectGrad([a], (x) => op.reduceSum(x, [1])));
  it('ReduceSum (keepdims, axis 0)', () => expectGrad([a], (x) => op.mul(op.reduceSum(x, [0], true), x)));
  it('ReduceMean (all axes)', () => expectGrad([a], (x) => op.mul(op.reduceMean(x), op.reduceSum(op.square(x)))));
  it('ReduceMax', () => expectGrad([a], (x) => op.reduceMax(x, [1])));
  it('Reshape', () => expectGrad([a], (x) => op.reshape(x, [2, 6])));
  it('Transpose', () => expectGrad([input('t', [2, 3, 4])], (x) => op.transpose(x, [2, 0, 1])));
  it('Concat', () => expectGrad([a, input('c', [3, 2])], (x, y) => op.concat([x, y], 1)));
  it('Slice', () => expectGrad([a], (x) => op.slice(x, 1, 1, 3)));
  it('Pad', () => expectGrad([a], (x) => op.pad(x, [1, 0], [0, 2])));
  it('Where', () => expectGrad([a, b], (x, y) => op.where(op.greater(x, y), op.mul(x, y), op.exp(y))));
  it('Clip', () => expectGrad([input('k', [3, 4], (r) => (r.uniform() - 0.5) * 4)], (x) => op.clip(x, -0.7, 0.9)));
  it('Expand', () => expectGrad([input('r', [1, 4]), a], (x, y) => op.mul(op.expandAs(x, y), y)));
  it('Identity', () => expectGrad([a], op.identity));
  it('MatMul with batch broadcasting ([2,3,4] · [4,5])', () => expectGrad([input('t', [2, 3, 4]), input('m', [4, 5])], op.matmul));
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`Gemm transA=${transA} transB=${transB} with bias`, () =>
        expectGrad([input('A', transA ? [4, 3] : [3, 4]), input('B', transB ? [5, 4] : [4, 5]), input('C', [5])], (x, y, c) => op.gemm(x, y, c, { transA, transB })));
    }
  }
});

describe('autodiff structure', () => {
  it('ReduceMean over a symbolic batch dim uses the runtime count', async () => {
    const x: GradCheckInput = { name: 'x', shape: ['B', 3], runShape: [5, 3], values: new Rng(3).fillNormal(new Float32Array(15)) };
    const { maxError, worst } = await gradCheck([x], (v) => op.reduceMean(op.reduceSum(op.square(v), [1]), [0]));
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
    });
    expect(maxError, worst).toBeLessThan(TOL);
  });

  it('only inputs on a path to the loss get gradient nodes; others get exact zeros', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 2]);
    const unused = g.input('u', [3]);
    const [gx, gu] = grad(op.reduceSum(op.square(x)), [x, unused]);
    const p = await Program.compile('t', { gx: gx!, gu: gu! }, { threads: 1 });
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
