/**
 * Vector-Jacobian rules of the spatial ops (see graph/spatial.ts). Every rule emits only ops
 * that have rules themselves (Conv ↔ ConvTranspose, MatMul, ReduceSum, Reshape, Transpose,
 * Slice (flip), Resize, Where, GatherElements ↔ ScatterElements, elementwise ops), so second
 * derivatives work.
 *
 *  - Conv:          x̄ = ConvTranspose(ȳ, W) (same window, output padding to x's size), or for
 *                   stride 1 the Conv of ȳ with the flipped, channel-swapped kernel;
 *                   W̄ = convWeightGrad(x, ȳ); b̄ = Σ_{n,i,j} ȳ.
 *  - ConvTranspose: the adjoint of Conv in x, so x̄ = Conv(ȳ, W) and W̄ = convWeightGrad(ȳ, x).
 *  - MaxPool:       ȳ scattered (added) to each window's arg-max, read from MaxPool's Indices;
 *                   for windows that tile x exactly, ȳ to the entries equal to their window's max.
 *  - AveragePool:   ȳ / count spread over each window: a depthwise ConvTranspose with a ones kernel.
 *  - Resize:        nearest: ȳ summed over each s×s block; linear: x̄ = A_hᵀ · ȳ · A_w with the
 *                   interpolation matrices A of the forward (y = A_h · x · A_wᵀ per channel).
 *  - BatchNormalization (inference form): y = γ·(x − μ)/√(σ² + ε) + β differentiated elementwise.
 */
import type { Node, Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { ShapeError, transposedOutSize } from '../graph/shape.js';
import * as sp from '../graph/spatial.js';
import { type ConvWeightGrad, convWeightGrad } from './conv-weight-grad.js';
import type { VjpRule } from './rule-types.js';

const inp = (n: Node, i: number): Value => n.inputs[i]!;

/** Output padding making a ConvTranspose of `from` (spatial size) come out at `to`'s size. */
function fitOutputPadding(win: sp.Window, from: Value, to: Value): [number, number] {
  return [0, 1].map((a) => {
    const full = to.shape[a + 2] as number;
    return full - transposedOutSize(from.shape[a + 2] as number, win.kernel[a]!, win.strides[a]!, win.pads[a]!, win.pads[a + 2]!, 0, win.dilations[a]!);
  }) as [number, number];
}

const sumBias = (gy: Value): Value => op.reduceSum(gy, [0, 2, 3]);

function noGroups(n: Node, what: string): void {
  if (n.intAttr('group', 1) !== 1) throw new ShapeError(`autodiff: the ${what} gradient of a grouped ${n.op} is not supported (group ${n.intAttr('group', 1)})`);
}

/**
 * x̄ of y = Conv(x, W): ConvTranspose(ȳ, W) in general. For stride 1 (group 1, pads ≤ the
 * dilated kernel's reach) it is the plain Conv of ȳ with W flipped in space and its channel
 * axes swapped, padded by dh·(KH − 1) − pad on each side, because ONNX Runtime's Conv kernel
 * is faster than its ConvTranspose: 15.8 → 2.0 ms of CPU for the conv VAE's 32→1 output layer
 * at batch 128 (28×28), 36.9 → 32.0 ms for a 32→32 one (one thread).
 */
function convInputGrad(gy: Value, w: Value, x: Value, win: sp.Window, group: number): Value {
  const reach = win.dilations.map((d, a) => d * (win.kernel[a]! - 1));
  const pads = [0, 1, 2, 3].map((i) => reach[i % 2]! - win.pads[i]!);
  if (group === 1 && win.strides.every((s) => s === 1) && pads.every((p) => p >= 0)) {
    const wT = op.flip(op.transpose(w, [1, 0, 2, 3]), [2, 3]);
    return sp.conv(gy, wT, undefined, { dilations: win.dilations, padding: [pads[0]!, pads[1]!, pads[2]!, pads[3]!] });
  }
  return sp.convTranspose(gy, w, undefined, { strides: win.strides, padding: win.pads, dilations: win.dilations, group, outputPadding: fitOutputPadding(win, gy, x) });
}

/** The Conv and ConvTranspose rules with a given weight-gradient formulation (the benchmark swaps it). */
export function convRules(weightGrad: ConvWeightGrad = convWeightGrad): { Conv: VjpRule; ConvTranspose: VjpRule } {
  const Conv: VjpRule = (n, gy, needs) => {
    const [x, w] = [inp(n, 0), inp(n, 1)];
    const win = sp.windowOf(n);
    const group = n.intAttr('group', 1);
    const gx = needs[0] ? convInputGrad(gy, w, x, win, group) : null;
    let gw: Value | null = null;
    if (needs[1]) {
      noGroups(n, 'weight');
      gw = weightGrad(x, gy, win);
    }
    return n.inputs.length > 2 ? [gx, gw, needs[2] ? sumBias(gy) : null] : [gx, gw];
  };
  const ConvTranspose: VjpRule = (n, gy, needs) => {
    const [x, w] = [inp(n, 0), inp(n, 1)];
    const win = sp.windowOf(n);
    const group = n.intAttr('group', 1);
    const gx = needs[0] ? sp.conv(gy, w, undefined, { strides: win.strides, padding: win.pads, dilations: win.dilations, group }) : null;
    let gw: Value | null = null;
    if (needs[1]) {
      noGroups(n, 'weight');
      gw = weightGrad(gy, x, win);
    }
    return n.inputs.length > 2 ? [gx, gw, needs[2] ? sumBias(gy) : null] : [gx, gw];
  };
  return { Conv, ConvTranspose };
}

const MaxPool: VjpRule = (n, gy, needs) => {
  if (!needs[0]) return [null];
  const x = inp(n, 0);
  const [nb, c, h, w] = x.shape as [string | number, number, number, number];
  const win = sp.windowOf(n);
  const [kh, kw] = win.kernel;
  const [oh, ow] = [gy.shape[2] as number, gy.shape[3] as number];
  if (win.strides[0] === kh && win.strides[1] === kw && win.pads.every((q) => q === 0) && h === oh * kh && w === ow * kw) {
    // Windows tile x exactly: ȳ goes to the entries equal to their window's max (to each of them on
    // a tie, as ReduceMax's rule does), with y and ȳ upsampled to x's size by nearest Resize. For
    // 2×2 pooling of [128, 32, 28, 28]: forward + x̄ 12.8 ms of CPU against 29.8 ms by the scatter
    // (and 57.7 ms by broadcasting over a [N, C, OH, KH, OW, KW] view).
    const up = (v: Value): Value => sp.resize(v, [kh, kw], 'nearest');
    return [op.where(op.equal(x, up(n.outputs[0]!)), up(gy), 0)];
  }
  const p = oh * ow;
  // Indices are flat over [N, C, H, W]; mod H·W gives the position within the sample's channel.
  const local = op.reshape(sp.modInt(sp.maxPoolIndices(x, win), h * w), [nb, c, p]);
  const zeros = op.zerosLike(op.reshape(x, [nb, c, h * w]));
  return [op.reshapeAs(sp.scatterAdd(zeros, local, op.reshape(gy, [nb, c, p]), 2), x)];
};

const AveragePool: VjpRule = (n, gy, needs) => {
  if (!needs[0]) return [null];
  const x = inp(n, 0);
  const win = sp.windowOf(n);
  const c = x.shape[1] as number;
  const [kh, kw] = win.kernel;
  const g = x.graph;
  let scaled: Value;
  if (win.pads.every((p) => p === 0) || n.intAttr('count_include_pad', 0) === 1) scaled = op.mul(gy, 1 / (kh * kw));
  else {
    // 1 / (entries of each window inside the unpadded input)
    const [oh, ow] = [gy.shape[2] as number, gy.shape[3] as number];
    const [h, w] = [x.shape[2] as number, x.shape[3] as number];
    const inv = new Float32Array(oh * ow);
    const inside = (start: number, k: number, size: number): number => Math.min(start + k, size) - Math.max(start, 0);
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        inv[i * ow + j] = 1 / (inside(i * win.strides[0] - win.pads[0], kh, h) * inside(j * win.strides[1] - win.pads[1], kw, w));
      }
    }
    scaled = op.mul(gy, g.constant(inv, [oh, ow]));
  }
  const ones = g.constant(new Float32Array(c * kh * kw).fill(1), [c, 1, kh, kw]);
  return [sp.convTranspose(scaled, ones, undefined, { strides: win.strides, padding: win.pads, group: c, outputPadding: fitOutputPadding(win, gy, x) })];
};

/**
 * The bilinear (half-pixel) interpolation matrix A [out, in] of one axis: row i holds the
 * weights of x_src = (i + ½)/s − ½ clamped to [0, in − 1] (as ONNX Resize linear computes).
 */
export function linearResizeMatrix(inSize: number, scale: number): Float32Array {
  const outSize = inSize * scale;
  const a = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const src = Math.min(Math.max((i + 0.5) / scale - 0.5, 0), inSize - 1);
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const t = src - i0;
    a[i * inSize + i0]! += 1 - t;
    a[i * inSize + i1]! += t;
  }
  return a;
}

function transposeMatrix(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

const Resize: VjpRule = (n, gy, needs) => {
  if (!needs[0]) return [null, null, null];
  const x = inp(n, 0);
  const [sh, sw] = sp.resizeScales(n);
  const [nb, c, h, w] = x.shape as [string | number, number, number, number];
  const mode = n.attrs['mode'];
  if (mode?.type === 'string' && mode.value === 'nearest') {
    return [op.reduceSum(op.reshape(gy, [nb, c, h, sh, w, sw]), [3, 5]), null, null];
  }
  const g = x.graph;
  const ahT = g.constant(transposeMatrix(linearResizeMatrix(h, sh), h * sh, h), [h, h * sh]);
  const aw = g.constant(linearResizeMatrix(w, sw), [w * sw, w]);
  return [op.matmul(ahT, op.matmul(gy, aw)), null, null];
};

const BatchNormalization: VjpRule = (n, gy, needs) => {
  const [x, scale, , mean, variance] = n.inputs as [Value, Value, Value, Value, Value];
  const eps = n.floatAttr('epsilon', 1e-5);
  const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1)).slice(1);
  const bc = (v: Value): Value => op.reshape(v, perChannel);
  const others = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const inv = op.div(1, op.sqrt(op.add(variance, eps)));
  const centred = op.sub(x, bc(mean));
  return [
    needs[0] ? op.mul(gy, bc(op.mul(scale, inv))) : null,
    needs[1] ? op.reduceSum(op.mul(gy, op.mul(centred, bc(inv))), others) : null,
    needs[2] ? op.reduceSum(gy, others) : null,
    needs[3] ? op.neg(op.mul(op.reduceSum(gy, others), op.mul(scale, inv))) : null,
    needs[4] ? op.mul(op.reduceSum(op.mul(gy, centred), others), op.mul(scale, op.mul(-0.5, op.mul(inv, op.mul(inv, inv))))) : null,
  ];
};

const GatherElements: VjpRule = (n, gy, needs) => [
  needs[0] ? sp.scatterAdd(op.zerosLike(inp(n, 0)), inp(n, 1), gy, n.intAttr('axis', 0)) : null,
  null,
];

/** Reduction add: data passes ȳ through; each update receives ȳ at its index. */
const ScatterElements: VjpRule = (n, gy, needs) => {
  const reduction = n.attrs['reduction'];
  if (reduction?.type !== 'string' || reduction.value !== 'add') throw new ShapeError('autodiff: only ScatterElements with reduction add has a gradient');
  return [needs[0] ? gy : null, null, needs[2] ? sp.gatherElements(gy, inp(n, 1), n.intAttr('axis', 0)) : null];
};

const none: VjpRule = (n) => n.inputs.map(() => null);

export const spatialRules: Readonly<Record<string, VjpRule>> = {
  ...convRules(),
  MaxPool,
  AveragePool,
  Resize,
  BatchNormalization,
  GatherElements,
  ScatterElements,
  Mod: none,
};
