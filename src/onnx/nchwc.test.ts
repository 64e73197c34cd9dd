import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import type { onnx as OnnxNs } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.js';
import * as sp from '../graph/spatial.js';
import { Rng } from '../nn/rng.js';
import { nodeBackend } from '../runtime/node.js';
import { nchwcBlockSize } from '../train/programs.js';
import { emitModel, nchwcProbeBytes } from './emit.js';
import { NCHWC_DOMAIN } from './nchwc.js';

const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNs };

const nodesOf = (bytes: Uint8Array): string[] => (onnx.ModelProto.decode(bytes).graph!.node ?? []).map((n) => `${n.domain ? `${n.domain}.` : ''}${n.opType}`);

async function runY(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  await s.release();
  return out['y']!.data as Float32Array;
}

describe('Convs on ONNX Runtime’s NCHWc kernels with the weight reordered in the graph', () => {
  const rng = new Rng(5);
  const feed = (dims: number[]): { data: Float32Array; dims: number[] } => ({ data: rng.fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1))), dims });

  it('the probe finds the block size of this CPU, and the training compiler uses the same', async () => {
    const s = await ort.InferenceSession.create(nchwcProbeBytes());
    const dims = (await s.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) }))['y']!.dims;
    await s.release();
    expect([4, 8, 16]).toContain(dims[1]); // 4: no blocked kernels on this CPU (MLAS block size 1; ReorderInput pads to 4)
    expect(await nchwcBlockSize(nodeBackend)).toBe(dims[1]! >= 8 ? dims[1] : 0);
  });

  it('same values as ORT’s Conv: stride 2, asymmetric pads [1, 0, 2, 1], a 3×2 kernel and a bias; input, weight and output reordered', async () => {
    const block = await nchwcBlockSize(nodeBackend);
    if (block === 0) return; // nothing to compare on a CPU without the kernels
    const [c, o] = [2 * block, block];
    const g = new Graph();
    const y = sp.conv(g.input('x', [3, c, 9, 8]), g.input('w', [o, c, 3, 2]), g.input('b', [o]), { strides: 2, padding: [1, 0, 2, 1] });
    const blocked = emitModel({ y }, { nchwcBlock: block });
    const plain = emitModel({ y });
    expect(nodesOf(blocked)).toEqual(['Reshape', 'Transpose', 'Reshape', `${NCHWC_DOMAIN}.ReorderInput`, `${NCHWC_DOMAIN}.Conv`, `${NCHWC_DOMAIN}.ReorderOutput`]);
    expect(nodesOf(plain)).toEqual(['Conv']);
    const feeds = { x: feed([3, c, 9, 8]), w: feed([o, c, 3, 2]), b: feed([o]) };
    const [a, b] = [await runY(blocked, feeds), await runY(plain, feeds)];
    expect(a.length).toBe((y.shape as number[]).reduce((p, q) => p * q, 1));
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4));
  });

  it('leaves a Conv alone when a channel count is not a multiple of the block, it is grouped or dilated, or the block is off', () => {
    const g = new Graph();
    const x = g.input('x', [1, 16, 9, 9]);
    const w = g.input('w', [8, 16, 3, 3]);
    expect(nodesOf(emitModel({ y: sp.conv(g.input('x12', [1, 12, 9, 9]), g.input('w12', [8, 12, 3, 3]), undefined, { strides: 2 }) }, { nchwcBlock: 8 }))).toEqual(['Conv']);
    expect(nodesOf(emitModel({ y: sp.conv(x, g.input('wg', [8, 8, 3, 3]), undefined, { strides: 2, group: 2 }) }, { nchwcBlock: 8 }))).toEqual(['Conv']);
    expect(nodesOf(emitModel({ y: sp.conv(x, w, undefined, { strides: 2, dilations: 2 }) }, { nchwcBlock: 8 }))).toEqual(['Conv']);
    expect(nodesOf(emitModel({ y: sp.conv(x, w, undefined, { strides: 2 }) }, { nchwcBlock: 0 }))).toEqual(['Conv']);
    expect(nodesOf(emitModel({ y: sp.conv(x, w, undefined, { strides: 2 }) }, { nchwcBlock: 16 }))).toEqual(['Conv']);
  });
});
