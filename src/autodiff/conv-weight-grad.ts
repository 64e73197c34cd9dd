/**
 * The weight gradient of a 2-D convolution, built from standard ONNX ops only (the
 * inference build of ONNX Runtime has no ConvGrad kernel). For y = Conv(x, W) and ȳ = ∂L/∂y:
 *   W̄[o,c,p,q] = Σ_{n,i,j} ȳ[n,o,i,j] · x_pad[n, c, i·sh + p·dh, j·sw + q·dw].
 * x [N, C, H, W], ȳ [N, O, OH, OW] → W̄ [O, C, KH, KW] (group = 1).
 *
 * Three formulations are kept so they can be measured against each other (bench/conv-grad.mjs);
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

/**
 * The formulation the gradient rules use: im2col + batched MatMul, measured fastest on the conv
 * VAE's layers (see bench/conv-grad.mjs); the transposed Conv when x has a symbolic channel
 * count (inside a second derivative of the transposed formulation), which im2col cannot size.
 */
export const convWeightGrad: ConvWeightGrad = (x, gy, win) =>
  typeof x.shape[1] === 'number' ? weightGradIm2colBatched(x, gy, win) : weightGradTransposed(x, gy, win);
