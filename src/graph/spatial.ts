/**
 * Spatial op builders over NCHW tensors: Conv, ConvTranspose, MaxPool, AveragePool, Resize,
 * BatchNormalization (inference form) and the index ops their gradients use (Mod,
 * GatherElements, ScatterElements). Each emits one ONNX operator (opset 18) with shape
 * inference; padding, strides and dilations are always written out explicitly, so the
 * gradient rules read them back from the node.
 *
 * Shapes: x [N, C, H, W] with N usually the symbolic batch `B`; H, W and kernels static.
 * Conv weights are [O, C/group, KH, KW]; ConvTranspose weights [C, O/group, KH, KW] (ONNX).
 */
import { type Attrs, type Graph, type Node, type Value, attr } from './graph.js';
import { type Dim, ShapeError, formatShape, samePads, transposedOutSize, windowOutSize } from './shape.js';

/** One number for both spatial axes, or [h, w]. */
export type Pair = number | readonly [number, number];
/**
 * 'valid' (no padding), 'same' (⌈in/stride⌉ outputs, see `samePads`), one number for all four
 * sides, or ONNX order [top, left, bottom, right].
 */
export type Padding = 'valid' | 'same' | number | readonly [number, number, number, number];

/** The window geometry of a spatial node, as written in its attributes. */
export interface Window {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right]. */
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
}

function pair(v: Pair | undefined, fallback: number, what: string, op: string): [number, number] {
  const p: [number, number] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= 1)) throw new ShapeError(`${op}: ${what} must be positive integers (got ${p.join('×')})`);
  return p;
}

/** Static spatial size [H, W] of an NCHW tensor, or a one-line error. */
function spatialSize(op: string, x: Value): [number, number] {
  if (x.rank !== 4) throw new ShapeError(`${op}: expected an [N, C, H, W] input, got ${formatShape(x.shape)}`);
  const [h, w] = [x.shape[2], x.shape[3]];
  if (typeof h !== 'number' || typeof w !== 'number') throw new ShapeError(`${op}: spatial dims of ${formatShape(x.shape)} must be static`);
  return [h, w];
}

function resolvePads(op: string, padding: Padding | undefined, size: readonly [number, number], kernel: readonly [number, number], strides: readonly [number, number], dilations: readonly [number, number]): [number, number, number, number] {
  let pads: [number, number, number, number];
  if (padding === undefined || padding === 'valid') pads = [0, 0, 0, 0];
  else if (padding === 'same') {
    const [t, b] = samePads(size[0], kernel[0], strides[0], dilations[0]);
    const [l, r] = samePads(size[1], kernel[1], strides[1], dilations[1]);
    pads = [t, l, b, r];
  } else if (typeof padding === 'number') pads = [padding, padding, padding, padding];
  else pads = [padding[0], padding[1], padding[2], padding[3]];
  if (!pads.every((p) => Number.isInteger(p) && p >= 0)) throw new ShapeError(`${op}: pads must be non-negative integers (got ${pads.join(', ')})`);
  return pads;
}

/** Output [OH, OW] of a window sweep, or a one-line error naming the sizes. */
function sweep(op: string, size: readonly [number, number], win: Window): [number, number] {
  const out = [0, 1].map((a) => windowOutSize(size[a]!, win.kernel[a]!, win.strides[a]!, win.pads[a]!, win.pads[a + 2]!, win.dilations[a]!)) as [number, number];
  if (out[0] < 1 || out[1] < 1) {
    const span = [0, 1].map((a) => win.dilations[a]! * (win.kernel[a]! - 1) + 1);
    const padded = [0, 1].map((a) => size[a]! + win.pads[a]! + win.pads[a + 2]!);
    throw new ShapeError(`${op}: a ${span.join('×')} window does not fit the ${padded.join('×')} padded input (${size.join('×')} + pads ${win.pads.join(',')})`);
  }
  return out;
}

function windowAttrs(win: Window): Record<string, ReturnType<typeof attr.ints>> {
  return {
    kernel_shape: attr.ints(win.kernel),
    strides: attr.ints(win.strides),
    pads: attr.ints(win.pads),
    dilations: attr.ints(win.dilations),
  };
}

/** Reads a spatial node's window back from its attributes. */
export function windowOf(n: Node): Window {
  const two = (name: string, fallback: number): [number, number] => {
    const v = n.intsAttr(name);
    return v ? [v[0]!, v[1]!] : [fallback, fallback];
  };
  const p = n.intsAttr('pads') ?? [0, 0, 0, 0];
  return { kernel: two('kernel_shape', 1), strides: two('strides', 1), pads: [p[0]!, p[1]!, p[2]!, p[3]!], dilations: two('dilations', 1) };
}

export interface ConvOptions {
  readonly strides?: Pair;
  readonly padding?: Padding;
  readonly dilations?: Pair;
  /** Channel groups (1 for ordinary convolutions; the gradient rules use C for depthwise ones). */
  readonly group?: number;
}

function checkGroup(op: string, group: number): void {
  if (!Number.isInteger(group) || group < 1) throw new ShapeError(`${op}: group must be a positive integer (got ${group})`);
}

/** Channels `c` split into `group` groups of `per` (static or the same symbol when group = 1). */
function channelsMatch(c: Dim, per: Dim, group: number): boolean {
  if (group === 1) return c === per;
  return typeof c === 'number' && typeof per === 'number' && c === per * group;
}

/**
 * 2-D convolution (ONNX Conv, cross-correlation as in PyTorch):
 *   y[n,o,i,j] = b[o] + Σ_{c,p,q} w[o,c,p,q] · x_pad[n, g(o)·C/G + c, i·sh + p·dh, j·sw + q·dw].
 * x [N, C, H, W], w [O, C/group, KH, KW], bias [O] → y [N, O, OH, OW] with
 * OH = ⌊(H + pt + pb − dh·(KH − 1) − 1)/sh⌋ + 1 (and likewise OW).
 */
export function conv(x: Value, w: Value, bias?: Value, opts: ConvOptions = {}): Value {
  const size = spatialSize('Conv', x);
  if (w.rank !== 4) throw new ShapeError(`Conv: weight must be [O, C/group, KH, KW], got ${formatShape(w.shape)}`);
  const [kh, kw] = [w.shape[2], w.shape[3]];
  if (typeof kh !== 'number' || typeof kw !== 'number') throw new ShapeError(`Conv: kernel dims of ${formatShape(w.shape)} must be static`);
  const group = opts.group ?? 1;
  checkGroup('Conv', group);
  if (!channelsMatch(x.shape[1]!, w.shape[1]!, group)) {
    throw new ShapeError(`Conv: input ${formatShape(x.shape)} has ${x.shape[1]} channels but weight ${formatShape(w.shape)} expects ${w.shape[1]}×${group} groups`);
  }
  const strides = pair(opts.strides, 1, 'strides', 'Conv');
  const dilations = pair(opts.dilations, 1, 'dilations', 'Conv');
  const kernel: [number, number] = [kh, kw];
  const win: Window = { kernel, strides, dilations, pads: resolvePads('Conv', opts.padding, size, kernel, strides, dilations) };
  const [oh, ow] = sweep('Conv', size, win);
  const inputs = [x, w];
  if (bias) {
    if (bias.rank !== 1 || bias.shape[0] !== w.shape[0]) throw new ShapeError(`Conv: bias ${formatShape(bias.shape)} must be [${w.shape[0]}]`);
    inputs.push(bias);
  }
  const attrs = { ...windowAttrs(win), group: attr.int(group) };
  return x.graph.addNode('Conv', inputs, attrs, [{ shape: [x.shape[0]!, w.shape[0]!, oh, ow], dtype: 'float32' }])[0]!;
}

export interface ConvTransposeOptions extends ConvOptions {
  /** Extra rows/columns added at the bottom/right of the output (each < stride). */
  readonly outputPadding?: Pair;
}

/**
 * 2-D transposed convolution (ONNX ConvTranspose), the adjoint of Conv with respect to its
 * input: x [N, C, H, W], w [C, O/group, KH, KW], bias [O] → y [N, O, OH, OW] with
 * OH = sh·(H − 1) + oph + dh·(KH − 1) + 1 − pt − pb (and likewise OW).
 * Padding 'same' here means OH = H·sh (the inverse of a SAME conv), as in Keras.
 */
export function convTranspose(x: Value, w: Value, bias?: Value, opts: ConvTransposeOptions = {}): Value {
  const size = spatialSize('ConvTranspose', x);
  if (w.rank !== 4) throw new ShapeError(`ConvTranspose: weight must be [C, O/group, KH, KW], got ${formatShape(w.shape)}`);
  const [kh, kw] = [w.shape[2], w.shape[3]];
  if (typeof kh !== 'number' || typeof kw !== 'number') throw new ShapeError(`ConvTranspose: kernel dims of ${formatShape(w.shape)} must be static`);
  const group = opts.group ?? 1;
  checkGroup('ConvTranspose', group);
  if (x.shape[1] !== w.shape[0]) throw new ShapeError(`ConvTranspose: input ${formatShape(x.shape)} has ${x.shape[1]} channels but weight ${formatShape(w.shape)} expects ${w.shape[0]}`);
  const strides = pair(opts.strides, 1, 'strides', 'ConvTranspose');
  const dilations = pair(opts.dilations, 1, 'dilations', 'ConvTranspose');
  const kernel: [number, number] = [kh, kw];
  let pads: [number, number, number, number];
  let outPad: [number, number];
  if (opts.padding === 'same') {
    // Output H·s: total padding d(k−1)+1−s, split with the smaller half first; a negative total becomes output padding.
    pads = [0, 0, 0, 0];
    outPad = [0, 0];
    for (const a of [0, 1]) {
      const total = dilations[a]! * (kernel[a]! - 1) + 1 - strides[a]!;
      if (total >= 0) {
        pads[a] = Math.floor(total / 2);
        pads[a + 2] = total - pads[a]!;
      } else outPad[a] = -total;
    }
  } else {
    pads = resolvePads('ConvTranspose', opts.padding, size, kernel, strides, dilations);
    outPad = opts.outputPadding === undefined ? [0, 0] : typeof opts.outputPadding === 'number' ? [opts.outputPadding, opts.outputPadding] : [opts.outputPadding[0], opts.outputPadding[1]];
  }
  for (const a of [0, 1]) {
    if (!Number.isInteger(outPad[a]) || outPad[a]! < 0 || outPad[a]! >= Math.max(strides[a]!, dilations[a]!)) {
      throw new ShapeError(`ConvTranspose: output padding ${outPad.join('×')} must be below the stride ${strides.join('×')} (or dilation)`);
    }
  }
  const out = [0, 1].map((a) => transposedOutSize(size[a]!, kernel[a]!, strides[a]!, pads[a]!, pads[a + 2]!, outPad[a]!, dilations[a]!));
  if (out[0]! < 1 || out[1]! < 1) throw new ShapeError(`ConvTranspose: pads ${pads.join(',')} leave no output from a ${size.join('×')} input`);
  const o: Dim = typeof w.shape[1] === 'number' ? w.shape[1] * group : group === 1 ? w.shape[1]! : `${w.shape[1]}*${group}`;
  const inputs = [x, w];
  if (bias) {
    if (bias.rank !== 1 || bias.shape[0] !== o) throw new ShapeError(`ConvTranspose: bias ${formatShape(bias.shape)} must be [${o}]`);
    inputs.push(bias);
  }
  const attrs = { ...windowAttrs({ kernel, strides, pads, dilations }), group: attr.int(group), output_padding: attr.ints(outPad) };
  return x.graph.addNode('ConvTranspose', inputs, attrs, [{ shape: [x.shape[0]!, o, out[0]!, out[1]!], dtype: 'float32' }])[0]!;
}

export interface PoolOptions {
  readonly kernel: Pair;
  /** Default: the kernel (non-overlapping windows). */
  readonly strides?: Pair;
  readonly padding?: Padding;
}

function poolWindow(op: string, x: Value, opts: PoolOptions): { win: Window; out: [number, number] } {
  const size = spatialSize(op, x);
  const kernel = pair(opts.kernel, 1, 'kernel', op);
  const strides = pair(opts.strides ?? kernel, 1, 'strides', op);
  const dilations: [number, number] = [1, 1];
  const win: Window = { kernel, strides, dilations, pads: resolvePads(op, opts.padding, size, kernel, strides, dilations) };
  if (win.pads.some((p, i) => p >= kernel[i % 2]!)) throw new ShapeError(`${op}: pads ${win.pads.join(',')} must be smaller than the kernel ${kernel.join('×')}`);
  return { win, out: sweep(op, size, win) };
}

/** Max over each window (ONNX MaxPool; padding never wins). x [N, C, H, W] → [N, C, OH, OW]. */
export function maxPool(x: Value, opts: PoolOptions): Value {
  const { win, out } = poolWindow('MaxPool', x, opts);
  return x.graph.addNode('MaxPool', [x], windowAttrs(win), [{ shape: [x.shape[0]!, x.shape[1]!, ...out], dtype: 'float32' }])[0]!;
}

/**
 * MaxPool's second output: for each window, the flat index n·C·H·W + c·H·W + h·W + w of its
 * maximum in x (int64, the first maximum on ties). Used by the MaxPool gradient.
 */
export function maxPoolIndices(x: Value, win: Window): Value {
  const size = spatialSize('MaxPool', x);
  const out = sweep('MaxPool', size, win);
  const attrs = { kernel_shape: attr.ints(win.kernel), strides: attr.ints(win.strides), pads: attr.ints(win.pads) };
  const shape = [x.shape[0]!, x.shape[1]!, ...out];
  return x.graph.addNode('MaxPool', [x], attrs, [{ shape, dtype: 'float32' }, { shape, dtype: 'int64' }])[1]!;
}

/**
 * Mean over each window (ONNX AveragePool). Padded entries are not counted
 * (count_include_pad = 0, as Keras). x [N, C, H, W] → [N, C, OH, OW].
 */
export function averagePool(x: Value, opts: PoolOptions): Value {
  const { win, out } = poolWindow('AveragePool', x, opts);
  const attrs = { kernel_shape: attr.ints(win.kernel), strides: attr.ints(win.strides), pads: attr.ints(win.pads), count_include_pad: attr.int(0) };
  return x.graph.addNode('AveragePool', [x], attrs, [{ shape: [x.shape[0]!, x.shape[1]!, ...out], dtype: 'float32' }])[0]!;
}

export type ResizeMode = 'nearest' | 'linear';

/**
 * Upsampling by integer factors (ONNX Resize): x [N, C, H, W] → [N, C, H·sh, W·sw].
 *  - nearest: y[i] = x[⌊i/s⌋] (coordinate_transformation_mode asymmetric, nearest_mode floor);
 *  - linear: bilinear with half-pixel centres, x_src = (i + ½)/s − ½ clamped to [0, H − 1]
 *    (PyTorch `align_corners=False`, TensorFlow 2 `resize`).
 */
export function resize(x: Value, scale: Pair, mode: ResizeMode): Value {
  const [h, w] = spatialSize('Resize', x);
  const s = pair(scale, 1, 'scale factors', 'Resize');
  const g = x.graph;
  const roi = g.constant(new Float32Array(0), [0]);
  const scales = g.constant(Float32Array.of(1, 1, s[0], s[1]), [4]);
  const attrs: Attrs =
    mode === 'nearest'
      ? { mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor') }
      : { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('half_pixel') };
  return g.addNode('Resize', [x, roi, scales], attrs, [{ shape: [x.shape[0]!, x.shape[1]!, h * s[0], w * s[1]], dtype: 'float32' }])[0]!;
}

/** The integer scale factors [sh, sw] of a Resize node built by `resize`. */
export function resizeScales(n: Node): [number, number] {
  const src = n.inputs[2]!.source;
  if (src.kind !== 'const' || !(src.data instanceof Float32Array)) throw new ShapeError('Resize: scales must be a constant');
  return [src.data[2]!, src.data[3]!];
}

/**
 * Batch normalisation with given statistics (ONNX BatchNormalization, inference form):
 *   y = scale · (x − mean) / √(var + ε) + bias, per channel. x [N, C, ...]; the rest [C].
 */
export function batchNormInference(x: Value, scale: Value, bias: Value, mean: Value, variance: Value, epsilon = 1e-5): Value {
  const c = x.shape[1];
  for (const [what, v] of [['scale', scale], ['bias', bias], ['mean', mean], ['var', variance]] as const) {
    if (v.rank !== 1 || v.shape[0] !== c) throw new ShapeError(`BatchNormalization: ${what} ${formatShape(v.shape)} must be [${c}] for input ${formatShape(x.shape)}`);
  }
  return x.graph.addNode('BatchNormalization', [x, scale, bias, mean, variance], { epsilon: attr.float(epsilon) }, [{ shape: x.shape, dtype: 'float32' }])[0]!;
}

// ---------------------------------------------------------------- index ops (used by gradients)
/** a mod b for int64 tensors (ONNX Mod, fmod = 0), broadcasting b. */
export function modInt(a: Value, b: number): Value {
  if (a.dtype !== 'int64') throw new ShapeError(`Mod: expected int64, got ${a.dtype}`);
  const g = a.graph;
  return g.addNode('Mod', [a, g.ints([b])], {}, [{ shape: a.shape, dtype: 'int64' }])[0]!;
}

function checkIndexed(op: string, data: Value, indices: Value, axis: number): void {
  if (indices.dtype !== 'int64') throw new ShapeError(`${op}: indices must be int64, got ${indices.dtype}`);
  if (data.rank !== indices.rank || axis < 0 || axis >= data.rank) throw new ShapeError(`${op}: data ${formatShape(data.shape)} and indices ${formatShape(indices.shape)} must have one rank; axis ${axis}`);
}

/** out[..., i, ...] = data[..., indices[..., i, ...], ...] along `axis` (ONNX GatherElements). */
export function gatherElements(data: Value, indices: Value, axis: number): Value {
  checkIndexed('GatherElements', data, indices, axis);
  return data.graph.addNode('GatherElements', [data, indices], { axis: attr.int(axis) }, [{ shape: indices.shape, dtype: data.dtype }])[0]!;
}

/** data with updates added at `indices` along `axis` (ONNX ScatterElements, reduction add). */
export function scatterAdd(data: Value, indices: Value, updates: Value, axis: number): Value {
  checkIndexed('ScatterElements', data, indices, axis);
  const g: Graph = data.graph;
  return g.addNode('ScatterElements', [data, indices, updates], { axis: attr.int(axis), reduction: attr.string('add') }, [{ shape: data.shape, dtype: data.dtype }])[0]!;
}
