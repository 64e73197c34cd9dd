/**
 * Reverse-mode automatic differentiation, graph to graph.
 *
 * `grad(y, wrt)` appends to y's graph the nodes computing ∂y/∂w for each w in `wrt`
 * (y scalar, or with an explicit `seed` adjoint of y's shape, giving the vector-Jacobian
 * product seedᵀ·∂y/∂w). Only nodes on a path from some w to y get adjoints, and a rule is
 * asked only for the inputs that lead back to some w. The appended nodes are ordinary graph
 * nodes, so `grad` of a graph that already contains gradients gives higher derivatives.
 */
import type { Node, Value } from '../graph/graph.js';
import { add, zerosLike } from '../graph/ops.js';
import { ShapeError, formatShape, sameShape } from '../graph/shape.js';
import { type RuleTable, ruleFor } from './rules.js';

export interface GradOptions {
  /** The vector-Jacobian rules to use (default: `rules`); tests pass deliberately wrong ones. */
  readonly rules?: RuleTable;
}

export function grad(y: Value, wrt: readonly Value[], seed?: Value, opts: GradOptions = {}): Value[] {
  const g = y.graph;
  if (seed === undefined && y.rank !== 0) throw new ShapeError(`grad: y must be a scalar (got ${formatShape(y.shape)}); pass a seed for a VJP`);
  if (seed && !sameShape(seed.shape, y.shape)) throw new ShapeError(`grad: seed ${formatShape(seed.shape)} must match y ${formatShape(y.shape)}`);
  for (const w of wrt) if (w.graph !== g) throw new ShapeError('grad: wrt values belong to another graph');

  // Values depending on some w (forward sweep in creation order = topological order).
  const dependsOnWrt = new Set<number>(wrt.map((w) => w.id));
  const nodes = g.nodes.slice(0, (y.producer?.id ?? -1) + 1);
  for (const n of nodes) {
    if (n.inputs.some((v) => dependsOnWrt.has(v.id))) for (const o of n.outputs) dependsOnWrt.add(o.id);
  }

  const adjoint = new Map<number, Value>([[y.id, seed ?? g.scalar(1)]]);
  const accumulate = (v: Value, gv: Value): void => {
    const prev = adjoint.get(v.id);
    adjoint.set(v.id, prev ? add(prev, gv) : gv);
  };

  for (let i = nodes.length - 1; i >= 0; i--) {
    const n: Node = nodes[i]!;
    const gy = n.outputs[0] ? adjoint.get(n.outputs[0].id) : undefined;
    if (!gy) continue;
    const needs = n.inputs.map((v) => dependsOnWrt.has(v.id) && v.dtype === 'float32');
    if (!needs.some(Boolean)) continue;
    const gx = ruleFor(n, opts.rules)(n, gy, needs);
    n.inputs.forEach((v, k) => {
      const gv = gx[k];
      if (needs[k] && gv) {
        if (!sameShape(gv.shape, v.shape)) {
          throw new ShapeError(`autodiff: ${n.op} rule gave ${formatShape(gv.shape)} for input ${formatShape(v.shape)}`);
        }
        accumulate(v, gv);
      }
    });
  }
  return wrt.map((w) => adjoint.get(w.id) ?? zerosLike(w));
}
