/**
 * Undoing broadcasting in reverse mode: if x of shape S was broadcast to shape T in the
 * forward pass, the gradient of x is the gradient of the output summed over the axes
 * that broadcasting created (leading axes) or stretched (size-1 axes of S).
 */
import type { Value } from '../graph/graph.js';
import { reduceSum } from '../graph/ops.js';
import { type Shape, ShapeError, formatShape } from '../graph/shape.js';

export function unbroadcast(g: Value, target: Shape): Value {
  const lead = g.rank - target.length;
  if (lead < 0) throw new ShapeError(`unbroadcast: gradient ${formatShape(g.shape)} has lower rank than ${formatShape(target)}`);
  let out = g;
  if (lead > 0) out = reduceSum(out, [...Array(lead).keys()], false);
  const stretched: number[] = [];
  target.forEach((d, i) => {
    if (d === 1 && out.shape[i] !== 1) stretched.push(i);
  });
  if (stretched.length > 0) out = reduceSum(out, stretched, true);
  return out;
}
