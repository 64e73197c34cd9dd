/**
 * Op builders. Each emits one ONNX operator (opset 18) with shape inference.
 *
 * Elementwise binary ops broadcast like NumPy and accept a plain number on either side,
 * which becomes a float32 scalar constant. Reduce, Slice, Reshape and Pad carry their
 * int64 arguments as constant inputs (the opset-18 form), so autodiff can read them back.
 */
import { type Dim, type DType, type Shape, ShapeError, broadcastShapes, formatShape, isStaticShape, normAxis, sameShape } from './shape.js';
import { type Graph, Value, attr } from './graph.js';

export type Operand = Value | number;

function graphOf(...xs: Operand[]): Graph {
  for (const x of xs) if (x instanceof Value) return x.graph;
  throw new ShapeError('an op needs at least one symbolic Value operand');
}

function lift(g: Graph, x: Operand): Value {
  return x instanceof Value ? x : g.scalar(x);
}

function requireFloat(op: string, ...xs: Value[]): void {
  for (const x of xs) if (x.dtype !== 'float32') throw new ShapeError(`${op}: expected float32, got ${x.dtype} (${x})`);
}

function unary(op: string, x: Value, attrs = {}): Value {
  requireFloat(op, x);
  return x.graph.addNode(op, [x], attrs, [{ shape: x.shape, dtype: x.dtype }])[0]!;
}

function binary(op: string, a: Operand, b: Operand, outDtype?: DType): Value {
  const g = graphOf(a, b);
  const va = lift(g, a);
  const vb = lift(g, b);
  if (va.dtype !== vb.dtype) throw new ShapeError(`${op}: dtype mismatch ${va.dtype} vs ${vb.dtype}`);
  const shape = broadcastShapes(op, va.shape, vb.shape);
  return g.addNode(op, [va, vb], {}, [{ shape, dtype: outDtype ?? va.dtype }])[0]!;
}

// ---------------------------------------------------------------- elementwise arithmetic
export const add = (a: Operand, b: Operand): Value => binary('Add', a, b);
export const sub = (a: Operand, b: Operand): Value => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand): Value => binary('Mul', a, b);
export const div = (a: Operand, b: Operand): Value => binary('Div', a, b);
/** x ** y, elementwise. */
export const pow = (a: Operand, b: Operand): Value => binary('Pow', a, b);
export const neg = (x: Value): Value => unary('Neg', x);
export const exp = (x: Value): Value => unary('Exp', x);
export const log = (x: Value): Value => unary('Log', x);
export const sqrt = (x: Value): Value => unary('Sqrt', x);
export const abs = (x: Value): Value => unary('Abs', x);
/** sign(x) in {-1, 0, 1}; its gradient is zero. */
export const sign = (x: Value): Value => unary('Sign', x);
export const identity = (x: Value): Value => x.graph.addNode('Identity', [x], {}, [{ shape: x.shape, dtype: x.dtype }])[0]!;
export const square = (x: Value): Value => mul(x, x);

// ---------------------------------------------------------------- activations
export const relu = (x: Value): Value => unary('Relu', x);
/** max(x, 0) + alpha * min(x, 0). */
export const leakyRelu = (x: Value, alpha = 0.01): Value => unary('LeakyRelu', x, { alpha: attr.float(alpha) });
/** 1 / (1 + exp(-x)). */
export const sigmoid = (x: Value): Value => unary('Sigmoid', x);
export const tanh = (x: Value): Value => unary('Tanh', x);
/** log(1 + exp(x)), computed stably by ONNX Runtime. */
export const softplus = (x: Value): Value => unary('Softplus', x);
/** exp(x_i) / sum_j exp(x_j) along `axis`. */
export const softmax = (x: Value, axis = -1): Value => unary('Softmax', x, { axis: attr.int(normAxis(axis, x.rank, 'Softmax')) });
/** x_i - log sum_j exp(x_j) along `axis`. */
export const logSoftmax = (x: Value, axis = -1): Value =>
  unary('LogSoftmax', x, { axis: attr.int(normAxis(axis, x.rank, 'LogSoftmax')) });

// ---------------------------------------------------------------- comparisons and selection
export const greater = (a: Operand, b: Operand): Value => binary('Greater', a, b, 'bool');
export const less = (a: Operand, b: Operand): Value => binary('Less', a, b, 'bool');
export const greaterOrEqual = (a: Operand, b: Operand): Value => binary('GreaterOrEqual', a, b, 'bool');
export const lessOrEqual = (a: Operand, b: Operand): Value => binary('LessOrEqual', a, b, 'bool');
export const equal = (a: Operand, b: Operand): Value => binary('Equal', a, b, 'bool');
export const and = (a: Value, b: Value): Value => binary('And', a, b, 'bool');

/** cond ? a : b, elementwise with broadcasting over all three. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  if (cond.dtype !== 'bool') throw new ShapeError(`Where: condition must be bool, got ${cond.dtype}`);
  const g = cond.graph;
  const va = lift(g, a);
  const vb = lift(g, b);
  const shape = broadcastShapes('Where', cond.shape, va.shape, vb.shape);
  return g.addNode('Where', [cond, va, vb], {}, [{ shape, dtype: va.dtype }])[0]!;
}

/** min(max(x, lo), hi). */
export function clip(x: Value, lo: number, hi: number): Value {
  if (!(lo <= hi)) throw new ShapeError(`Clip: min ${lo} > max ${hi}`);
  requireFloat('Clip', x);
  const g = x.graph;
  return g.addNode('Clip', [x, g.scalar(lo), g.scalar(hi)], {}, [{ shape: x.shape, dtype: x.dtype }])[0]!;
}

export function cast(x: Value, to: DType): Value {
  const code = { float32: 1, int64: 7, bool: 9 }[to];
  return x.graph.addNode('Cast', [x], { to: attr.int(code) }, [{ shape: x.shape, dtype: to }])[0]!;
}

// ---------------------------------------------------------------- linear algebra
export interface GemmOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/**
 * Y = op(A) · op(B) + C with op(M) = M or Mᵀ. A and B are 2-D; C broadcasts to [M, N].
 * Maps to ONNX Gemm, whose transposes are free in the BLAS kernel.
 */
export function gemm(a: Value, b: Value, c?: Value, opts: GemmOptions = {}): Value {
  requireFloat('Gemm', a, b);
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(`Gemm: inputs must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const [m, ka] = opts.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [kb, n] = opts.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (ka !== kb) throw new ShapeError(`Gemm: inner dims differ: ${formatShape(a.shape)}${opts.transA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${opts.transB ? 'ᵀ' : ''}`);
  const inputs = [a, b];
  if (c) {
    broadcastShapes('Gemm bias', c.shape, [m, n]);
    inputs.push(c);
  }
  const attrs = { transA: attr.int(opts.transA ? 1 : 0), transB: attr.int(opts.transB ? 1 : 0) };
  return a.graph.addNode('Gemm', inputs, attrs, [{ shape: [m, n], dtype: 'float32' }])[0]!;
}

/** NumPy-style matmul for rank ≥ 2 (batch dims broadcast). */
export function matmul(a: Value, b: Value): Value {
  requireFloat('MatMul', a, b);
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`MatMul: inputs must have rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const k1 = a.shape[a.rank - 1]!;
  const k2 = b.shape[b.rank - 2]!;
  if (k1 !== k2) throw new ShapeError(`MatMul: inner dims differ: ${formatShape(a.shape)} · ${formatShape(b.shape)}`);
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!];
  return a.graph.addNode('MatMul', [a, b], {}, [{ shape, dtype: 'float32' }])[0]!;
}

// ---------------------------------------------------------------- reductions
function reduce(op: string, x: Value, axes: readonly number[] | undefined, keepdims: boolean): Value {
  requireFloat(op, x);
  const all = axes === undefined ? x.shape.map((_, i) => i) : axes.map((a) => normAxis(a, x.rank, op));
  const set = new Set(all);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!set.has(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  const g = x.graph;
  return g.addNode(op, [x, g.ints([...set].sort((p, q) => p - q))], { keepdims: attr.int(keepdims ? 1 : 0) }, [{ shape, dtype: x.dtype }])[0]!;
}

/** Sum over `axes` (all axes when omitted). */
export const reduceSum = (x: Value, axes?: readonly number[], keepdims = false): Value => reduce('ReduceSum', x, axes, keepdims);
/** Mean over `axes` (all axes when omitted). */
export const reduceMean = (x: Value, axes?: readonly number[], keepdims = false): Value => reduce('ReduceMean', x, axes, keepdims);
/** Max over `axes`; its gradient flows to the arg-max entries. */
export const reduceMax = (x: Value, axes?: readonly number[], keepdims = false): Value => reduce('ReduceMax', x, axes, keepdims);

// ---------------------------------------------------------------- shape ops
/** The runtime shape of `x` as a 1-D int64 tensor. */
export const shapeOf = (x: Value): Value => x.graph.addNode('Shape', [x], {}, [{ shape: [x.rank], dtype: 'int64' }])[0]!;
/** The runtime element count of `x` as an int64 scalar. */
export const sizeOf = (x: Value): Value => x.graph.addNode('Size', [x], {}, [{ shape: [], dtype: 'int64' }])[0]!;

/** Broadcasts `x` to the runtime shape of `like` (ONNX Expand). */
export function expandAs(x: Value, like: Value): Value {
  const shape = broadcastShapes('Expand', x.shape, like.shape);
  return x.graph.addNode('Expand', [x, shapeOf(like)], {}, [{ shape, dtype: x.dtype }])[0]!;
}

/**
 * Reshapes `x`. A symbolic dim that stays at the same position is copied at run time
 * (ONNX `0`); at most one other dim may be `-1` (inferred), which must then be static overall.
 */
export function reshape(x: Value, target: readonly Dim[]): Value {
  const code: number[] = [];
  const shape: Dim[] = [];
  let inferAt = -1;
  target.forEach((d, i) => {
    if (typeof d === 'string') {
      if (x.shape[i] !== d) throw new ShapeError(`Reshape: symbolic dim ${d} must keep its position ${i} in ${formatShape(x.shape)}`);
      code.push(0);
      shape.push(d);
    } else if (d === -1) {
      if (inferAt >= 0) throw new ShapeError('Reshape: at most one -1');
      inferAt = i;
      code.push(-1);
      shape.push(-1);
    } else {
      code.push(d);
      shape.push(d);
    }
  });
  const known = x.shape.filter((d, i) => !(typeof d === 'string' && target[i] === d));
  const fixed = shape.filter((d): d is number => typeof d === 'number' && d !== -1).reduce((a, b) => a * b, 1);
  if (!isStaticShape(known)) {
    // Symbolic dims folded into the -1 dim: it becomes a symbolic product, e.g. `B*49`.
    if (inferAt < 0) throw new ShapeError(`Reshape: cannot move symbolic dims of ${formatShape(x.shape)} to ${formatShape(target)}`);
    const syms = known.filter((d): d is string => typeof d === 'string');
    const rest = known.filter((d): d is number => typeof d === 'number').reduce((a, b) => a * b, 1);
    if (rest % fixed !== 0) throw new ShapeError(`Reshape: ${formatShape(x.shape)} does not divide into ${formatShape(target)}`);
    shape[inferAt] = [...syms, ...(rest / fixed === 1 ? [] : [String(rest / fixed)])].join('*');
    const g = x.graph;
    return g.addNode('Reshape', [x, g.ints(code)], {}, [{ shape, dtype: x.dtype }])[0]!;
  }
  const total = (known as readonly number[]).reduce((a, b) => a * b, 1);
  if (inferAt >= 0) {
    if (total % fixed !== 0) throw new ShapeError(`Reshape: ${formatShape(x.shape)} does not divide into ${formatShape(target)}`);
    shape[inferAt] = total / fixed;
  } else if (total !== fixed) {
    throw new ShapeError(`Reshape: ${formatShape(x.shape)} has a different size than ${formatShape(target)}`);
  }
  const g = x.graph;
  return g.addNode('Reshape', [x, g.ints(code)], {}, [{ shape, dtype: x.dtype }])[0]!;
}

/** Reshapes `x` to the runtime shape of `like` (same element count). */
export function reshapeAs(x: Value, like: Value): Value {
  return x.graph.addNode('Reshape', [x, shapeOf(like)], {}, [{ shape: like.shape, dtype: x.dtype }])[0]!;
}

/** Permutes axes; the default reverses them. */
export function transpose(x: Value, perm?: readonly number[]): Value {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ShapeError(`Transpose: ${JSON.stringify(p)} is not a permutation of rank ${x.rank}`);
  }
  return x.graph.addNode('Transpose', [x], { perm: attr.ints(p) }, [{ shape: p.map((i) => x.shape[i]!), dtype: x.dtype }])[0]!;
}

/** Joins tensors along `axis`; other dims must agree. */
export function concat(xs: readonly Value[], axis: number): Value {
  if (xs.length === 0) throw new ShapeError('Concat: no inputs');
  const first = xs[0]!;
  const ax = normAxis(axis, first.rank, 'Concat');
  let total: Dim = 0;
  for (const x of xs) {
    if (x.rank !== first.rank || x.dtype !== first.dtype || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError(`Concat: ${formatShape(x.shape)} does not match ${formatShape(first.shape)} off axis ${ax}`);
    }
    const d = x.shape[ax]!;
    if (typeof d !== 'number' || typeof total !== 'number') throw new ShapeError('Concat: the concat axis must be static');
    total += d;
  }
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  return first.graph.addNode('Concat', xs, { axis: attr.int(ax) }, [{ shape, dtype: first.dtype }])[0]!;
}

/** x[start:end] along `axis` (static bounds, step 1). */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const ax = normAxis(axis, x.rank, 'Slice');
  const d = x.shape[ax]!;
  if (typeof d !== 'number') throw new ShapeError(`Slice: axis ${ax} of ${formatShape(x.shape)} is symbolic`);
  if (!(0 <= start && start < end && end <= d)) throw new ShapeError(`Slice: [${start}, ${end}) out of range for dim ${d}`);
  const g = x.graph;
  const shape = x.shape.map((s, i) => (i === ax ? end - start : s));
  return g.addNode('Slice', [x, g.ints([start]), g.ints([end]), g.ints([ax])], {}, [{ shape, dtype: x.dtype }])[0]!;
}

/** x reversed along each of `axes` (static dims): ONNX Slice with step −1. Its own adjoint. */
export function flip(x: Value, axes: readonly number[]): Value {
  const ax = axes.map((a) => normAxis(a, x.rank, 'Slice'));
  const dims = ax.map((a) => x.shape[a]!);
  if (!dims.every((d): d is number => typeof d === 'number')) throw new ShapeError(`flip: axes ${ax.join(',')} of ${formatShape(x.shape)} must be static`);
  const g = x.graph;
  const inputs = [x, g.ints(ax.map(() => -1)), g.ints(dims.map((d) => -(d + 1))), g.ints(ax), g.ints(ax.map(() => -1))];
  return g.addNode('Slice', inputs, {}, [{ shape: x.shape, dtype: x.dtype }])[0]!;
}

/** Zero-pads `x` with `before[i]`/`after[i]` entries on axis i (ONNX Pad, constant mode). */
export function pad(x: Value, before: readonly number[], after: readonly number[]): Value {
  if (before.length !== x.rank || after.length !== x.rank) throw new ShapeError('Pad: one before/after per axis');
  const shape = x.shape.map((d, i) => {
    if (before[i] === 0 && after[i] === 0) return d;
    if (typeof d !== 'number') throw new ShapeError(`Pad: cannot pad symbolic axis ${i}`);
    return d + before[i]! + after[i]!;
  });
  const g = x.graph;
  return g.addNode('Pad', [x, g.ints([...before, ...after])], { mode: attr.string('constant') }, [{ shape, dtype: x.dtype }])[0]!;
}

// ---------------------------------------------------------------- helpers built from ops
/** Zeros shaped like `x` (static shapes become constants, symbolic ones an Expand). */
export function zerosLike(x: Value): Value {
  if (isStaticShape(x.shape)) return x.graph.constant(new Float32Array(x.shape.reduce((a, b) => a * b, 1)), x.shape);
  return expandAs(x.graph.scalar(0), x);
}

/** Asserts `x` has exactly `shape` (for model-building sanity checks). */
export function assertShape(x: Value, shape: Shape, what: string): void {
  if (!sameShape(x.shape, shape)) throw new ShapeError(`${what}: expected ${formatShape(shape)}, got ${formatShape(x.shape)}`);
}
