/**
 * In-graph optimizers. An optimizer turns (parameter, gradient, state) values into updated
 * parameter and state values inside the training graph. Its state (moments, step count)
 * is graph I/O: it enters as inputs named `<prefix>.<slot>.<param>` and leaves as the
 * matching updated outputs, so the runtime ping-pongs it between steps like the weights.
 * The learning rate is a scalar graph input, set each step by the schedule hook.
 */
import type { Graph, Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { ShapeError } from '../graph/shape.js';

export type OptimizerKind = 'adam' | 'adamw' | 'sgd';

export interface OptimizerConfig {
  readonly kind: OptimizerKind;
  /** Base learning rate. */
  readonly lr: number;
  /** Adam β₁ (default 0.9). */
  readonly beta1?: number;
  /** Adam β₂ (default 0.999). */
  readonly beta2?: number;
  /** Adam ε (default 1e-8). */
  readonly eps?: number;
  /** L2 penalty added to the gradient (adam, sgd) or decoupled decay (adamw). */
  readonly weightDecay?: number;
  /** SGD momentum μ (default 0). */
  readonly momentum?: number;
  readonly nesterov?: boolean;
}

/** A state tensor an optimizer keeps: its graph name and static shape (all start at zero). */
export interface StateSlot {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface ParamGrad {
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: Value;
  readonly grad: Value;
}

export interface UpdateResult {
  /** Updated parameter values by parameter name. */
  readonly params: Map<string, Value>;
  /** Updated state values by state slot name. */
  readonly state: Map<string, Value>;
}

/**
 * For the steps after the first in an unrolled multi-step graph: the learning-rate input
 * of this step and the previous step's updated optimizer state (instead of graph inputs).
 */
export interface ChainedStep {
  readonly lr: Value;
  readonly state?: ReadonlyMap<string, Value>;
}

/** Name of the learning-rate input of the optimizer with `prefix`. */
export const lrInputName = (prefix: string): string => `${prefix}.lr`;

export class Optimizer {
  constructor(
    readonly config: OptimizerConfig,
    /** Prefix of this optimizer's graph I/O names, e.g. `optim` or `optim.disc`. */
    readonly prefix = 'optim',
  ) {
    if (!(config.lr > 0)) throw new ShapeError(`learning rate must be positive (got ${config.lr})`);
  }

  private slotsPerParam(): string[] {
    switch (this.config.kind) {
      case 'adam':
      case 'adamw':
        return ['m', 'v'];
      case 'sgd':
        return (this.config.momentum ?? 0) > 0 ? ['buf'] : [];
    }
  }

  /** All state tensors for these parameters: per-parameter slots plus a scalar step count. */
  stateSlots(params: readonly { name: string; shape: readonly number[] }[]): StateSlot[] {
    const slots: StateSlot[] = [{ name: `${this.prefix}.step`, shape: [] }];
    for (const s of this.slotsPerParam()) for (const p of params) slots.push({ name: `${this.prefix}.${s}.${p.name}`, shape: p.shape });
    return slots;
  }

  /**
   * Appends the update to `g`. Adam (Kingma & Ba 2015, Alg. 1, as torch.optim.Adam):
   *   t ← t+1; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
   *   p ← p − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε·√(1−β₂ᵗ))   (≡ lr·m̂/(√v̂ + ε))
   * AdamW (Loshchilov & Hutter 2019) first applies p ← p·(1 − lr·λ).
   * SGD: buf ← μ·buf + g; p ← p − lr·buf (Nesterov: p ← p − lr·(g + μ·buf)).
   */
  update(g: Graph, items: readonly ParamGrad[], chained?: ChainedStep): UpdateResult {
    const c = this.config;
    const lr = chained?.lr ?? g.input(lrInputName(this.prefix), []);
    const input = (name: string, shape: readonly number[]): Value => chained?.state?.get(name) ?? g.input(name, shape);
    const stepIn = input(`${this.prefix}.step`, []);
    const step = op.add(stepIn, 1);
    const state = new Map<string, Value>([[`${this.prefix}.step`, step]]);
    const params = new Map<string, Value>();
    const wd = c.weightDecay ?? 0;
    const slot = (s: string, p: ParamGrad): Value => input(`${this.prefix}.${s}.${p.name}`, p.shape);

    if (c.kind === 'sgd') {
      const mu = c.momentum ?? 0;
      for (const p of items) {
        const grad = wd > 0 ? op.add(p.grad, op.mul(p.value, wd)) : p.grad;
        let dir = grad;
        if (mu > 0) {
          const buf = op.add(op.mul(slot('buf', p), mu), grad);
          state.set(`${this.prefix}.buf.${p.name}`, buf);
          dir = c.nesterov ? op.add(grad, op.mul(buf, mu)) : buf;
        }
        params.set(p.name, op.sub(p.value, op.mul(dir, lr)));
      }
      return { params, state };
    }

    const b1 = c.beta1 ?? 0.9;
    const b2 = c.beta2 ?? 0.999;
    const eps = c.eps ?? 1e-8;
    // Bias corrections from the step count, computed once per step on scalars.
    const sqrtBc2 = op.sqrt(op.sub(1, op.pow(b2, step)));
    const stepSize = op.div(op.mul(lr, sqrtBc2), op.sub(1, op.pow(b1, step)));
    const epsHat = op.mul(sqrtBc2, eps);
    for (const p of items) {
      const grad = c.kind === 'adam' && wd > 0 ? op.add(p.grad, op.mul(p.value, wd)) : p.grad;
      const m = op.add(op.mul(slot('m', p), b1), op.mul(grad, 1 - b1));
      const v = op.add(op.mul(slot('v', p), b2), op.mul(op.square(grad), 1 - b2));
      state.set(`${this.prefix}.m.${p.name}`, m);
      state.set(`${this.prefix}.v.${p.name}`, v);
      const base = c.kind === 'adamw' && wd > 0 ? op.mul(p.value, op.sub(1, op.mul(lr, wd))) : p.value;
      params.set(p.name, op.sub(base, op.mul(op.div(m, op.add(op.sqrt(v), epsHat)), stepSize)));
    }
    return { params, state };
  }
}
