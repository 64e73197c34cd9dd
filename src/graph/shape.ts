/**
 * Tensor shapes with symbolic dimensions.
 *
 * A dimension is either a fixed size (a non-negative integer) or a symbol such as `'B'`,
 * the batch size, whose value is only known when a program runs. ONNX carries symbols
 * as `dim_param`. Broadcasting follows NumPy/ONNX multidirectional rules.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];
export type DType = 'float32' | 'int64' | 'bool';

/** Thrown when ops are combined with incompatible shapes, dtypes or arguments. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** True when every dimension is a fixed number. */
export function isStaticShape(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Number of elements of a static shape (1 for a scalar). */
export function numel(shape: Shape): number {
  if (!isStaticShape(shape)) throw new ShapeError(`numel of a symbolic shape ${formatShape(shape)}`);
  return shape.reduce((a, b) => a * b, 1);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Result shape of broadcasting `shapes` together (ONNX multidirectional broadcasting):
 * shapes are right-aligned; per axis, equal sizes stay, a size of 1 stretches.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1 || d === dim) continue;
      if (dim === 1) dim = d;
      else throw new ShapeError(`${op}: cannot broadcast shapes ${shapes.map(formatShape).join(' and ')}`);
    }
    out.push(dim);
  }
  return out;
}

/** Normalises a possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/**
 * Output length of a sliding window along one axis (ONNX Conv, MaxPool, AveragePool):
 *   out = ⌊(in + padBegin + padEnd − dilation·(kernel − 1) − 1) / stride⌋ + 1.
 * Returns a value ≤ 0 when the (dilated) window does not fit the padded input even once.
 */
export function windowOutSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation = 1): number {
  const span = dilation * (kernel - 1) + 1;
  const room = input + padBegin + padEnd - span;
  return room < 0 ? 0 : Math.floor(room / stride) + 1;
}

/**
 * SAME padding (TensorFlow, ONNX SAME_UPPER): the output has ⌈in / stride⌉ positions and
 * the total padding max(0, (out − 1)·stride + dilation·(kernel − 1) + 1 − in) is split with
 * the smaller half first. Returns [begin, end].
 */
export function samePads(input: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(input / stride);
  const total = Math.max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - input);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/**
 * Output length of a transposed convolution along one axis (ONNX ConvTranspose):
 *   out = stride·(in − 1) + outputPadding + dilation·(kernel − 1) + 1 − padBegin − padEnd.
 */
export function transposedOutSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number, outputPadding = 0, dilation = 1): number {
  return stride * (input - 1) + outputPadding + dilation * (kernel - 1) + 1 - padBegin - padEnd;
}
