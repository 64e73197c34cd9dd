/**
 * The weight gradient of a 2-D convolution, built from standard ONNX ops only (the
 * inference build of ONNX Runtime has no ConvGrad kernel). For y = Conv(x, W) and ȳ = ∂L/∂y:
 *   W̄[o,c,p,q] = Σ_{n,i,j} ȳ[n,o,i,j] · x_pad[n, c, i·sh + p·dh, j·sw + q·dw].
 * x [N, C, H, W], ȳ [N, O, OH, OW] → W̄ [O, C, KH, KW] (group = 1).
 *
 * The formulations are kept so they can be measured against each other (bench/conv-grad.ts);
 * `convWeightGrad` is the one the Conv and ConvTranspose rules use. All of them emit only
 * differentiable ops, so second derivatives through a conv work.
 */
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { ShapeError, formatShape } from '../graph/shape.js';
import { conv, type Window } from '../graph/spatial.js';

export type ConvWeightGrad = (x: Value, gy: Value, win: Window) => Value;

function staticDim(v: Value, axis: number, what: string): number {
  const d = v.shape[axis];
  if (typeof d !== 'number') throw new ShapeError(`conv weight gradient: ${what} of ${formatShape(v.shape)} must be static`);
  return d;
}

/**
 * im2col as a depthwise Conv: a constant one-hot kernel K [C·KH·KW, 1, KH, KW] with group = C
 * copies each input channel's KH·KW taps into their own output channels, so
 *   cols[n, c·KH·KW + p·KW + q, i, j] = x_pad[n, c, i·sh + p·dh, j·sw + q·dw].
 */
function im2col(x: Value, win: Window): Value {
  const c = staticDim(x, 1, 'the channel count');
  const [kh, kw] = win.kernel;
  const taps = kh * kw;
  const k = new Float32Array(c * taps * taps);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < taps; t++) k[(ch * taps + t) * taps + t] = 1;
  const kernel = x.graph.constant(k, [c * taps, 1, kh, kw]);
  return conv(x, kernel, undefined, { strides: win.strides, padding: win.pads, dilations: win.dilations, group: c });
}

/** im2col, then one batched MatMul ȳ[n] · cols[n]ᵀ per sample and a ReduceSum over the batch. */
export const weightGradIm2colBatched: ConvWeightGrad = (x, gy, win) => {
  const cols = im2col(x, win);
  const [ckk, p] = [cols.shape[1] as number, (cols.shape[2] as number) * (cols.shape[3] as number)];
  const o = gy.shape[1]!;
  const colsT = op.transpose(op.reshape(cols, [x.shape[0]!, ckk, p]), [0, 2, 1]);
  const prod = op.matmul(op.reshape(gy, [gy.shape[0]!, o, p]), colsT);
  return op.reshape(op.reduceSum(prod, [0]), [o, x.shape[1]!, ...win.kernel]);
};

/** im2col with the batch folded into the positions: one Gemm [O, N·P] · [CKK, N·P]ᵀ. */
export const weightGradIm2colGemm: ConvWeightGrad = (x, gy, win) => {
  const cols = im2col(x, win);
  const ckk = cols.shape[1] as number;
  const o = gy.shape[1]!;
  const colsF = op.reshape(op.transpose(cols, [1, 0, 2, 3]), [ckk, -1]);
  const gyF = op.reshape(op.transpose(gy, [1, 0, 2, 3]), [o, -1]);
  return op.reshape(op.gemm(gyF, colsF, undefined, { transB: true }), [o, x.shape[1]!, ...win.kernel]);
};

/**
 * A Conv over batch-transposed tensors: with channels and batch swapped, x' [C, N, H, W] is
 * convolved with the kernel ȳ' [O, N, OH, OW]; the forward stride becomes the dilation and the
 * forward dilation the stride. The result [C, O, KH', KW'] (KH' ≥ KH when the stride leaves
 * rows unused) is cropped and transposed to [O, C, KH, KW].
 */
export const weightGradTransposed: ConvWeightGrad = (x, gy, win) => {
  const xt = op.transpose(x, [1, 0, 2, 3]);
  const gt = op.transpose(gy, [1, 0, 2, 3]);
  let r = conv(xt, gt, undefined, { strides: win.dilations, dilations: win.strides, padding: win.pads });
  if ((r.shape[2] as number) > win.kernel[0]) r = op.slice(r, 2, 0, win.kernel[0]);
  if ((r.shape[3] as number) > win.kernel[1]) r = op.slice(r, 3, 0, win.kernel[1]);
  return op.transpose(r, [1, 0, 2, 3]);
};

/** Pads of the im2col of ȳ in `weightGradIm2colOutput`: dh·(KH − 1) − pad per side (null if one is negative). */
function outputSidePads(win: Window): [number, number, number, number] | null {
  const reach = [0, 1].map((a) => win.dilations[a]! * (win.kernel[a]! - 1));
  const pads = [0, 1, 2, 3].map((i) => reach[i % 2]! - win.pads[i]!);
  return pads.every((p) => p >= 0) ? [pads[0]!, pads[1]!, pads[2]!, pads[3]!] : null;
}

/**
 * For stride 1, im2col of ȳ instead of x: with p' = KH − 1 − p (and q' likewise),
 *   W̄[o,c,p,q] = Σ_{n,a,b} x[n,c,a,b] · ȳ_pad[n, o, a + p'·dh, b + q'·dw],
 * ȳ padded by dh·(KH − 1) − pad on each side. The expanded tensor has O·KH·KW channels instead of
 * C·KH·KW, so this wins when O < C (the 32 → 1 output layer of an image decoder: 9 channels, not 288).
 */
export const weightGradIm2colOutput: ConvWeightGrad = (x, gy, win) => {
  const pads = outputSidePads(win);
  if (!win.strides.every((s) => s === 1) || !pads) throw new ShapeError('weightGradIm2colOutput: needs stride 1 and pads within the kernel reach');
  const [kh, kw] = win.kernel;
  const o = staticDim(gy, 1, 'the output channel count');
  const c = x.shape[1]!;
  const hw = (x.shape[2] as number) * (x.shape[3] as number);
  const cols = im2col(gy, { kernel: win.kernel, strides: [1, 1], pads, dilations: win.dilations }); // [N, O·KH·KW, H, W]
  const prod = op.matmul(op.reshape(cols, [gy.shape[0]!, o * kh * kw, hw]), op.transpose(op.reshape(x, [x.shape[0]!, c, hw]), [0, 2, 1]));
  const flipped = op.reshape(op.reduceSum(prod, [0]), [o, kh, kw, c]); // [o, p', q', c]
  return op.transpose(op.flip(flipped, [1, 2]), [0, 3, 1, 2]);
};

/**
 * The formulation the gradient rules use, measured on the conv VAE's layers (bench/conv-grad.ts):
 * im2col + batched MatMul, expanding ȳ instead of x for stride-1 layers with fewer output than
 * input channels; the transposed Conv when x has a symbolic channel count (inside a second
 * derivative of the transposed formulation), which im2col cannot size.
 */
export const convWeightGrad: ConvWeightGrad = (x, gy, win) => {
  if (typeof x.shape[1] !== 'number') return weightGradTransposed(x, gy, win);
  const o = gy.shape[1];
  if (typeof o === 'number' && o < x.shape[1] && win.strides.every((s) => s === 1) && outputSidePads(win)) return weightGradIm2colOutput(x, gy, win);
  return weightGradIm2colBatched(x, gy, win);
};
