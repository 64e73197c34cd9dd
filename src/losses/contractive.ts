/**
 * The contractive penalty ‖J_f(x)‖_F² of an encoder f (Rifai et al. 2011, "Contractive
 * auto-encoders", ICML, eq. 1): exact for one sigmoid layer, or through autodiff for any encoder.
 */
import { grad } from '../autodiff/grad.js';
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';

/**
 * ‖J‖_F² per sample [B] of a single sigmoid layer h = σ(xW + b), from its output h [B, J]
 * and weight W [D, J]: Σ_j (h_j(1−h_j))² Σ_i W_ij² (Rifai et al. 2011, sec. 4).
 */
export function contractiveExact(h: Value, W: Value): Value {
  const slope = op.square(op.mul(h, op.sub(1, h)));
  return op.reduceSum(op.mul(slope, op.reduceSum(op.square(W), [0])), [1]);
}

/**
 * ‖∂code/∂x‖_F² per sample [B] for any encoder, by one VJP per code unit: with seed e_j
 * (one-hot [1, J] broadcast over the batch), grad(code, x, e_j) is row j of every sample's
 * Jacobian [B, ...x's sample shape]; the squares are summed over every non-batch axis and j, so
 * x may be flat [B, D] or an image [B, C, H, W]. `x` must be the graph value the encoder consumed.
 */
export function contractiveAutodiff(code: Value, x: Value): Value {
  const J = code.shape[1];
  if (code.rank !== 2 || typeof J !== 'number') throw new Error(`contractiveAutodiff: expected a [B, J] code, got ${code}`);
  const g = code.graph;
  const sampleAxes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
  let total: Value | undefined;
  for (let j = 0; j < J; j++) {
    const oneHot = new Float32Array(J);
    oneHot[j] = 1;
    const [row] = grad(code, [x], op.expandAs(g.constant(oneHot, [1, J]), code));
    const sq = op.reduceSum(op.square(row!), sampleAxes);
    total = total ? op.add(total, sq) : sq;
  }
  return total!;
}

