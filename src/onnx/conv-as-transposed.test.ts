import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import type { onnx as OnnxNs } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.js';
import * as sp from '../graph/spatial.js';
import { Rng } from '../nn/rng.js';
import { emitModel } from './emit.js';

const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNs };

const opTypes = (bytes: Uint8Array): string[] => (onnx.ModelProto.decode(bytes).graph!.node ?? []).map((n) => n.opType!);

/** Runs emitted bytes once on ORT (one thread) and returns output `y`. */
async function runY(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  await s.release();
  return out['y']!.data as Float32Array;
}

describe('with convAsTransposed (the training compiler’s setting), a stride-1 Conv with fewer output than input channels is emitted as the equal ConvTranspose', () => {
  const rng = new Rng(3);
  const feed = (dims: number[]): { data: Float32Array; dims: number[] } => ({ data: rng.fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1))), dims });

  it('same values as ORT’s Conv for a 3×2 kernel, asymmetric pads [2, 0, 1, 1] and a bias', async () => {
    const g = new Graph();
    const y = sp.conv(g.input('x', [2, 5, 6, 7]), g.input('w', [2, 5, 3, 2]), g.input('b', [2]), { padding: [2, 0, 1, 1] });
    const rewritten = emitModel({ y }, { convAsTransposed: true });
    const plain = emitModel({ y });
    expect(opTypes(rewritten)).toContain('ConvTranspose');
    expect(opTypes(rewritten)).not.toContain('Conv');
    expect(opTypes(plain)).toContain('Conv');
    const feeds = { x: feed([2, 5, 6, 7]), w: feed([2, 5, 3, 2]), b: feed([2]) };
    const [a, b] = [await runY(rewritten, feeds), await runY(plain, feeds)];
    expect(y.shape).toEqual([2, 2, 7, 7]);
    expect(a.length).toBe(2 * 2 * 7 * 7);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-5));
  });

  it('keeps Conv when the rewrite would not hold or not pay: O ≥ C, stride 2, dilation 2, pads beyond the kernel', () => {
    const g = new Graph();
    const x = g.input('x', [1, 4, 9, 9]);
    const narrow = g.input('w', [2, 4, 3, 3]);
    for (const y of [
      sp.conv(x, g.input('wide', [4, 4, 3, 3]), undefined, { padding: 1 }),
      sp.conv(x, narrow, undefined, { strides: 2, padding: 1 }),
      sp.conv(x, narrow, undefined, { dilations: 2, padding: 1 }),
      sp.conv(x, narrow, undefined, { padding: [3, 0, 0, 0] }),
    ]) {
      expect(opTypes(emitModel({ y }, { convAsTransposed: true }))).toEqual(['Conv']);
    }
  });
});
