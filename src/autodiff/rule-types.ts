/**
 * The shape of a vector-Jacobian rule, shared by the rule tables (rules.ts, spatial-rules.ts)
 * and the code that applies them (grad.ts), so that the tables need not import each other's
 * module for the type.
 */
import type { Node, Value } from '../graph/graph.js';

/**
 * The VJP of one node: given ȳ = ∂L/∂y for its (first) output and which inputs need a
 * gradient, returns x̄_i = ȳ · ∂y/∂x_i per input (null where not needed or not defined).
 * Every rule emits only ops that have rules themselves, so gradients of gradients work.
 */
export type VjpRule = (node: Node, gy: Value, needs: readonly boolean[]) => (Value | null)[];

/** Rules by ONNX op type. */
export type RuleTable = Readonly<Record<string, VjpRule>>;
