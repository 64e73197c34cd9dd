/**
 * contractiveAutodiff sums the Jacobian's squares over every sample axis: for a linear encoder
 * code = flatten(x)·W on image-shaped x [B, C, H, W], J = Wᵀ for every sample, so ‖J‖_F² = Σ W².
 */
import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { Rng } from '../nn/rng.js';
import { nodeBackend, Tensor } from '../runtime/node.js';
import { Program } from '../runtime/program.js';
import { contractiveAutodiff } from './contractive.js';

describe('contractiveAutodiff', () => {
  it('‖J‖_F² of a linear encoder on [B, 2, 2, 3] images equals Σ W², for every sample', async () => {
    const [C, H, W, J, B] = [2, 2, 3, 4, 5];
    const D = C * H * W;
    const rng = new Rng('contractive');
    const weights = rng.fillUniform(new Float32Array(D * J), -1, 1);
    const g = new Graph();
    const x = g.input('x', ['B', C, H, W]);
    const code = op.matmul(op.reshape(x, ['B', D]), g.constant(weights, [D, J]));
    const program = await Program.compile('contractive-image', { penalty: contractiveAutodiff(code, x) }, { backend: nodeBackend, threads: 1 });
    const xs = rng.fillUniform(new Float32Array(B * D));
    const penalty = (await program.run({ x: new Tensor('float32', xs, [B, C, H, W]) }))['penalty']!;
    await program.release();
    const sumSquares = weights.reduce((a, w) => a + w * w, 0);
    expect(penalty.dims).toEqual([B]);
    for (const p of penalty.data as Float32Array) expect(Math.abs(p - sumSquares) / sumSquares).toBeLessThan(1e-5);
  });
});
