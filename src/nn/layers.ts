/**
 * Layers: functions that declare parameters through a `Builder` and emit nodes.
 */
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { ShapeError } from '../graph/shape.js';
import type { Builder } from './builder.js';
import { type InitName, initializerFor, torchUniform, zeros } from './init.js';

export type Activation = 'linear' | 'relu' | 'leaky_relu' | 'sigmoid' | 'tanh' | 'softplus';
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softplus'];

export function activate(x: Value, a: Activation): Value {
  switch (a) {
    case 'linear': return x;
    case 'relu': return op.relu(x);
    case 'leaky_relu': return op.leakyRelu(x, 0.2);
    case 'sigmoid': return op.sigmoid(x);
    case 'tanh': return op.tanh(x);
    case 'softplus': return op.softplus(x);
  }
}

export interface DenseOptions {
  /** Weight initialiser; 'torch' (default) is PyTorch's nn.Linear default U(±1/√in). */
  readonly init?: InitName;
  readonly bias?: boolean;
}

/**
 * y = x·W + b, with x [B, in], W [in, out], b [out] (one Gemm). The bias starts like
 * PyTorch's (U(±1/√in)) under 'torch' init and at zero otherwise.
 */
export function dense(b: Builder, x: Value, out: number, opts: DenseOptions = {}): Value {
  const inDim = x.shape[x.rank - 1];
  if (x.rank !== 2 || typeof inDim !== 'number') throw new ShapeError(`dense: expected [B, in] input, got ${x}`);
  const init = opts.init ?? 'torch';
  const W = b.param('W', [inDim, out], initializerFor(init, inDim));
  const bias = opts.bias === false ? undefined : b.param('b', [out], init === 'torch' ? torchUniform(inDim) : zeros);
  return op.gemm(x, W, bias);
}

export interface MlpOptions extends DenseOptions {
  /** Activation after every hidden layer. */
  readonly activation?: Activation;
  /** Activation after the last layer (default linear). */
  readonly outputActivation?: Activation;
}

/** A stack of dense layers with sizes `sizes` (the last is the output), scoped as `<i>.W`, `<i>.b`. */
export function mlp(b: Builder, x: Value, sizes: readonly number[], opts: MlpOptions = {}): Value {
  let h = x;
  sizes.forEach((n, i) => {
    h = dense(b.scope(String(i)), h, n, opts);
    h = activate(h, i === sizes.length - 1 ? (opts.outputActivation ?? 'linear') : (opts.activation ?? 'relu'));
  });
  return h;
}
