import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { onnx as OnnxNs } from 'onnx-proto';
import { Graph, type Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import * as sp from '../graph/spatial.js';
import { Rng } from '../nn/rng.js';
import { Program } from '../runtime/program.js';
import { OPSET, emitModel } from './emit.js';
import { nodeBackend, Tensor } from '../runtime/node.js';

const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNs };

describe('emit', () => {
  it('lowered Softplus is log(1 + e^x), stable for large |x|', async () => {
    const g = new Graph();
    const x = g.input('x', [6]);
    const p = await Program.compile('sp', { y: op.softplus(x) }, { backend: nodeBackend, threads: 1 });
    const xs = [-200, -20, -1, 0, 3, 200];
    const out = (await p.run({ x: new Tensor('float32', Float32Array.from(xs), [6]) }))['y']!.data as Float32Array;
    xs.forEach((v, i) => expect(out[i]).toBeCloseTo(v > 30 ? v : Math.log1p(Math.exp(v)), 5));
  });

  it('returns inputs, constants and repeated values as separate named outputs', async () => {
    const g = new Graph();
    const x = g.input('x', ['B', 2]);
    const y = op.mul(x, 2);
    const p = await Program.compile('io', { a: x, b: y, c: y, d: g.scalar(7) }, { backend: nodeBackend, threads: 1 });
    const out = await p.run({ x: new Tensor('float32', Float32Array.of(1, 2), [1, 2]) });
    expect([...(out['a']!.data as Float32Array)]).toEqual([1, 2]);
    expect([...(out['b']!.data as Float32Array)]).toEqual([2, 4]);
    expect([...(out['c']!.data as Float32Array)]).toEqual([2, 4]);
    expect([...(out['d']!.data as Float32Array)]).toEqual([7]);
  });
});

// ---------------------------------------------------------------- spatial ops against direct loops

/** Direct 2-D cross-correlation (PyTorch/ONNX Conv semantics), NCHW, group 1, zero padding. */
function refConv(x: Float32Array, xs: number[], w: Float32Array, ws: number[], stride: number[], pads: number[], dil: number[]): { y: Float64Array; shape: number[] } {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const [o, , kh, kw] = ws as [number, number, number, number];
  const oh = Math.floor((h + pads[0]! + pads[2]! - dil[0]! * (kh - 1) - 1) / stride[0]!) + 1;
  const ow = Math.floor((wd + pads[1]! + pads[3]! - dil[1]! * (kw - 1) - 1) / stride[1]!) + 1;
  const y = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = 0;
          for (let ic = 0; ic < c; ic++)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const r = i * stride[0]! + p * dil[0]! - pads[0]!;
                const s = j * stride[1]! + q * dil[1]! - pads[1]!;
                if (r >= 0 && r < h && s >= 0 && s < wd) acc += x[((b * c + ic) * h + r) * wd + s]! * w[((oc * c + ic) * kh + p) * kw + q]!;
              }
          y[((b * o + oc) * oh + i) * ow + j] = acc;
        }
  return { y, shape: [n, o, oh, ow] };
}

async function run1(outputs: Record<string, Value>, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const p = await Program.compile('spatial', outputs, { backend: nodeBackend, threads: 1 });
  const out = await p.run(feeds);
  await p.release();
  return out;
}

describe('spatial ops emit valid opset-18 ONNX and compute what their doc comments say', () => {
  const rng = new Rng(9);
  const xs = [2, 3, 7, 6];
  const x = rng.fillNormal(new Float32Array(2 * 3 * 7 * 6));
  const feedX = (): Tensor => new Tensor('float32', x, xs);

  it('Conv equals direct cross-correlation (stride [2, 1], dilation [1, 2], asymmetric pads [1, 0, 2, 2])', async () => {
    const ws = [4, 3, 3, 2];
    const w = rng.fillNormal(new Float32Array(4 * 3 * 3 * 2));
    const g = new Graph();
    const y = sp.conv(g.input('x', ['B', 3, 7, 6]), g.input('w', ws), undefined, { strides: [2, 1], dilations: [1, 2], padding: [1, 0, 2, 2] });
    const ref = refConv(x, xs, w, ws, [2, 1], [1, 0, 2, 2], [1, 2]);
    expect(y.shape).toEqual(['B', ...ref.shape.slice(1)]);
    const out = (await run1({ y }, { x: feedX(), w: new Tensor('float32', w, ws) }))['y']!;
    expect(out.dims).toEqual(ref.shape);
    (out.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(ref.y[i]!, 4));
  });

  it('ConvTranspose is the adjoint of Conv: ⟨ConvT(u, W), v⟩ = ⟨u, Conv(v, W)⟩ (stride 2, pads 1, output padding 1)', async () => {
    const g = new Graph();
    const W = g.input('W', [3, 2, 3, 3]);
    const u = g.input('u', [2, 3, 4, 4]);
    const t = sp.convTranspose(u, W, undefined, { strides: 2, padding: 1, outputPadding: 1 });
    expect(t.shape).toEqual([2, 2, 8, 8]);
    const v = g.input('v', [2, 2, 8, 8]);
    const c = sp.conv(v, W, undefined, { strides: 2, padding: 1 });
    const lhs = op.reduceSum(op.mul(t, v));
    const rhs = op.reduceSum(op.mul(u, c));
    const r = new Rng(4);
    const feed = (name: string, shape: number[]): Tensor => new Tensor('float32', r.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
    const out = await run1({ lhs, rhs }, { W: feed('W', [3, 2, 3, 3]), u: feed('u', [2, 3, 4, 4]), v: feed('v', [2, 2, 8, 8]) });
    expect((out['lhs']!.data as Float32Array)[0]).toBeCloseTo((out['rhs']!.data as Float32Array)[0]!, 3);
  });

  it('MaxPool and AveragePool (3×3, stride 2, pads 1; padding neither wins nor counts)', async () => {
    const g = new Graph();
    const xv = g.input('x', ['B', 3, 7, 6]);
    const out = await run1({ m: sp.maxPool(xv, { kernel: 3, strides: 2, padding: 1 }), a: sp.averagePool(xv, { kernel: 3, strides: 2, padding: 1 }) }, { x: feedX() });
    expect(out['m']!.dims).toEqual([2, 3, 4, 3]);
    const at = (b: number, c: number, r: number, s: number): number => x[((b * 3 + c) * 7 + r) * 6 + s]!;
    for (const [b, c, i, j] of [[0, 0, 0, 0], [1, 2, 3, 2], [0, 1, 2, 1]] as const) {
      const win: number[] = [];
      for (let r = 2 * i - 1; r <= 2 * i + 1; r++) for (let s = 2 * j - 1; s <= 2 * j + 1; s++) if (r >= 0 && r < 7 && s >= 0 && s < 6) win.push(at(b, c, r, s));
      const k = ((b * 3 + c) * 4 + i) * 3 + j;
      expect((out['m']!.data as Float32Array)[k]).toBeCloseTo(Math.max(...win), 6);
      expect((out['a']!.data as Float32Array)[k]).toBeCloseTo(win.reduce((p, q) => p + q, 0) / win.length, 5);
    }
  });

  it('Resize nearest repeats pixels; bilinear uses half-pixel centres (PyTorch align_corners=False)', async () => {
    const g = new Graph();
    const xv = g.input('x', [1, 1, 2, 2]);
    const out = await run1({ n: sp.resize(xv, 2, 'nearest'), l: sp.resize(xv, 2, 'linear') }, { x: new Tensor('float32', Float32Array.of(1, 2, 3, 4), [1, 1, 2, 2]) });
    expect([...(out['n']!.data as Float32Array)]).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    // torch.nn.functional.interpolate(tensor([[[[1., 2.], [3., 4.]]]]), scale_factor=2, mode='bilinear')
    const torch = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4];
    (out['l']!.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(torch[i]!, 6));
  });

  it('an inference export with every spatial op bakes its weights and declares opset 18', () => {
    const g = new Graph();
    const xv = g.input('x', ['B', 3, 8, 8]);
    const W = g.input('W', [4, 3, 3, 3]);
    const T = g.input('T', [4, 2, 3, 3]);
    const s = g.input('s', [4]);
    let h = sp.batchNormInference(sp.conv(xv, W, undefined, { strides: 2, padding: 'same' }), s, s, s, s);
    h = sp.averagePool(sp.maxPool(h, { kernel: 2, strides: 1 }), { kernel: 2, strides: 1, padding: 'same' });
    const y = sp.resize(sp.resize(sp.convTranspose(h, T, undefined, { strides: 2, padding: 'same' }), 2, 'nearest'), 2, 'linear');
    const bytes = emitModel({ y }, { bake: new Map([['W', new Float32Array(108)], ['T', new Float32Array(72)], ['s', new Float32Array(4).fill(1)]]) });
    const model = onnx.ModelProto.decode(bytes);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', OPSET]]);
    expect((model.graph!.input ?? []).map((i) => i.name)).toEqual(['x']);
    expect(new Set((model.graph!.node ?? []).map((nd) => nd.opType))).toEqual(new Set(['Conv', 'BatchNormalization', 'MaxPool', 'AveragePool', 'ConvTranspose', 'Resize']));
  });
});
