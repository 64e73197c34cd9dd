import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { Program, Tensor } from '../runtime/program.js';

describe('emit', () => {
  it('lowered Softplus is log(1 + e^x), stable for large |x|', async () => {
    const g = new Graph();
    const x = g.input('x', [6]);
    const p = await Program.compile('sp', { y: op.softplus(x) }, { threads: 1 });
    const xs = [-200, -20, -1, 0, 3, 200];
    const out = (await p.run({ x: new Tensor('float32', Float32Array.from(xs), [6]) }))['y']!.data as Float32Array;
    xs.forEach((v, i) => expect(out[i]).toBeCloseTo(v > 30 ? v : Math.log1p(Math.exp(v)), 5));
  });

  it('returns inputs, constants and repeated values as separate named outputs', async () => {
    const g = new Graph();
    const x = g.input('x', ['B', 2]);
    const y = op.mul(x, 2);
    const p = await Program.compile('io', { a: x, b: y, c: y, d: g.scalar(7) }, { threads: 1 });
    const out = await p.run({ x: new Tensor('float32', Float32Array.of(1, 2), [1, 2]) });
    expect([...(out['a']!.data as Float32Array)]).toEqual([1, 2]);
    expect([...(out['b']!.data as Float32Array)]).toEqual([2, 4]);
    expect([...(out['c']!.data as Float32Array)]).toEqual([2, 4]);
    expect([...(out['d']!.data as Float32Array)]).toEqual([7]);
  });
});
