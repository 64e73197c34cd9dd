/**
 * Convolutional layers over NCHW tensors (x [B, C, H, W], the data's [C, H, W] sample layout):
 * conv2d, convTranspose2d, pooling, upsampling, batch normalisation and dropout, and
 * `convStack` / `deconvStack`, which take channel lists and infer every shape, so a model
 * says `channels: [32, 64], kernel: 3, stride: 2` and never does shape arithmetic.
 *
 * `planConvStack` checks a stack against the image before any graph is built; a geometry
 * that cannot work is one `UsageError` line naming the layer, the shapes and the fix.
 */
import { UsageError } from '../errors.js';
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { formatShape, samePads, windowOutSize } from '../graph/shape.js';
import * as sp from '../graph/spatial.js';
import type { Builder } from './builder.js';
import { type InitName, initializerFor, ones, torchUniform, zeros } from './init.js';
import { type Activation, activate } from './layers.js';

/** [C, H, W] of one sample. */
export type ChwShape = readonly [number, number, number];

function chwOf(x: Value, layer: string): ChwShape {
  const [, c, h, w] = x.shape;
  if (x.rank !== 4 || typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw new UsageError(`${layer}: expected an image batch [B, C, H, W], got ${formatShape(x.shape)}`);
  }
  return [c, h, w];
}

const layerName = (b: Builder, kind: string): string => (b.path ? `${kind} ${b.path}` : kind);

export interface Conv2dOptions {
  /** Kernel size (square when one number). */
  readonly kernel: sp.Pair;
  readonly stride?: sp.Pair;
  /** 'same' (default: ⌈in/stride⌉ outputs), 'valid', or explicit pads (see graph/spatial.ts). */
  readonly padding?: sp.Padding;
  readonly dilation?: sp.Pair;
  readonly bias?: boolean;
  /** Weight initialiser; 'torch' (default) is PyTorch's Conv2d default U(±1/√fan_in). */
  readonly init?: InitName;
}

const two = (p: sp.Pair | undefined, fallback: number): [number, number] => (p === undefined ? [fallback, fallback] : typeof p === 'number' ? [p, p] : [p[0], p[1]]);

/** A kernel larger than its input is a user error before it is a shape error. */
function checkKernelFits(layer: string, chw: ChwShape, kernel: [number, number], dilation: [number, number]): void {
  const span = [0, 1].map((a) => dilation[a]! * (kernel[a]! - 1) + 1);
  if (span[0]! > chw[1] || span[1]! > chw[2]) {
    throw new UsageError(`${layer}: kernel ${span.join('×')} is larger than its ${chw[1]}×${chw[2]} input; use a kernel of at most ${chw[1]}×${chw[2]} or fewer strided layers before it`);
  }
}

/**
 * y = Conv(x, W) + b: x [B, C, H, W], W [O, C, KH, KW], b [O] → [B, O, OH, OW]
 * (OH = ⌈H/stride⌉ with 'same' padding; see `windowOutSize` for the general formula).
 */
export function conv2d(b: Builder, x: Value, outChannels: number, opts: Conv2dOptions): Value {
  const layer = layerName(b, 'conv2d');
  const chw = chwOf(x, layer);
  const kernel = two(opts.kernel, 1);
  const dilation = two(opts.dilation, 1);
  checkKernelFits(layer, chw, kernel, dilation);
  const fanIn = chw[0] * kernel[0] * kernel[1];
  const init = opts.init ?? 'torch';
  const W = b.param('W', [outChannels, chw[0], ...kernel], initializerFor(init, fanIn));
  const bias = opts.bias === false ? undefined : b.param('b', [outChannels], init === 'torch' ? torchUniform(fanIn) : zeros);
  return sp.conv(x, W, bias, { strides: two(opts.stride, 1), padding: opts.padding ?? 'same', dilations: dilation });
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra output rows/columns at the bottom/right (each below the stride). */
  readonly outputPadding?: sp.Pair;
}

/**
 * y = ConvTranspose(x, W) + b: x [B, C, H, W], W [C, O, KH, KW], b [O] → [B, O, OH, OW] with
 * OH = stride·(H − 1) + outputPadding + KH − padTop − padBottom ('same': OH = H·stride).
 * fan_in follows PyTorch's ConvTranspose2d: O·KH·KW.
 */
export function convTranspose2d(b: Builder, x: Value, outChannels: number, opts: ConvTranspose2dOptions): Value {
  const layer = layerName(b, 'convTranspose2d');
  const chw = chwOf(x, layer);
  const kernel = two(opts.kernel, 1);
  const fanIn = outChannels * kernel[0] * kernel[1];
  const init = opts.init ?? 'torch';
  const W = b.param('W', [chw[0], outChannels, ...kernel], initializerFor(init, fanIn));
  const bias = opts.bias === false ? undefined : b.param('b', [outChannels], init === 'torch' ? torchUniform(fanIn) : zeros);
  return sp.convTranspose(x, W, bias, {
    strides: two(opts.stride, 1),
    padding: opts.padding ?? 'same',
    dilations: two(opts.dilation, 1),
    outputPadding: two(opts.outputPadding, 0),
  });
}

export interface Pool2dOptions {
  readonly kernel: sp.Pair;
  /** Default: the kernel (non-overlapping windows). */
  readonly stride?: sp.Pair;
  /** Default 'valid'. */
  readonly padding?: sp.Padding;
}

function checkPool(kind: string, x: Value, opts: Pool2dOptions): void {
  const chw = chwOf(x, kind);
  checkKernelFits(kind, chw, two(opts.kernel, 1), [1, 1]);
}

/** Max over each window: [B, C, H, W] → [B, C, OH, OW]. */
export function maxPool2d(x: Value, opts: Pool2dOptions): Value {
  checkPool('maxPool2d', x, opts);
  return sp.maxPool(x, { kernel: opts.kernel, ...(opts.stride !== undefined && { strides: opts.stride }), ...(opts.padding !== undefined && { padding: opts.padding }) });
}

/** Mean over each window (padding not counted): [B, C, H, W] → [B, C, OH, OW]. */
export function avgPool2d(x: Value, opts: Pool2dOptions): Value {
  checkPool('avgPool2d', x, opts);
  return sp.averagePool(x, { kernel: opts.kernel, ...(opts.stride !== undefined && { strides: opts.stride }), ...(opts.padding !== undefined && { padding: opts.padding }) });
}

export type UpsampleMode = 'nearest' | 'bilinear';

/** Upsampling by an integer factor: [B, C, H, W] → [B, C, H·s, W·s] (see graph/spatial.ts `resize`). */
export function upsample(x: Value, scale: sp.Pair, mode: UpsampleMode = 'nearest'): Value {
  chwOf(x, 'upsample');
  return sp.resize(x, scale, mode === 'nearest' ? 'nearest' : 'linear');
}

export interface BatchNormOptions {
  /** Weight of the new batch statistic in the running averages (PyTorch convention; default 0.1). */
  readonly momentum?: number;
  readonly epsilon?: number;
}


/**
 * Batch normalisation (Ioffe & Szegedy 2015) over axis 1 of x [B, C, ...]:
 *   train: y = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch's mean μ_B and biased variance σ²_B
 *          over every axis but 1; the running statistics (model state `running_mean`,
 *          `running_var`) become (1 − m)·old + m·new, the variance unbiased (·n/(n − 1)), as PyTorch;
 *   eval:  the same with the running statistics (one ONNX BatchNormalization node).
 * γ starts at 1, β at 0, the running mean at 0 and the running variance at 1.
 */
export function batchNorm(b: Builder, x: Value, opts: BatchNormOptions = {}): Value {
  const c = x.shape[1];
  if (x.rank < 2 || typeof c !== 'number') throw new UsageError(`${layerName(b, 'batchNorm')}: expected [B, C, ...] with a static C, got ${formatShape(x.shape)}`);
  const m = opts.momentum ?? 0.1;
  const eps = opts.epsilon ?? 1e-5;
  if (!(m > 0 && m <= 1)) throw new UsageError(`${layerName(b, 'batchNorm')}: momentum must be in (0, 1] (got ${m})`);
  const gamma = b.param('gamma', [c], ones);
  const beta = b.param('beta', [c], zeros);
  const runningMean = b.state('running_mean', [c], zeros);
  const runningVar = b.state('running_var', [c], ones);
  if (b.mode === 'eval') return sp.batchNormInference(x, gamma, beta, runningMean, runningVar, eps);
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1)).slice(1);
  const mean = op.reduceMean(x, axes, true);
  const centred = op.sub(x, mean);
  const variance = op.reduceMean(op.square(centred), axes, true);
  const y = op.add(op.mul(op.div(centred, op.sqrt(op.add(variance, eps))), op.reshape(gamma, perChannel)), op.reshape(beta, perChannel));
  // n = values per channel in this batch (run time: the batch size is symbolic).
  const n = op.div(op.cast(op.sizeOf(x), 'float32'), c);
  const unbiased = op.mul(op.reshape(variance, [c]), op.div(n, op.sub(n, 1)));
  b.updateState('running_mean', op.add(op.mul(runningMean, 1 - m), op.mul(op.reshape(mean, [c]), m)));
  b.updateState('running_var', op.add(op.mul(runningVar, 1 - m), op.mul(unbiased, m)));
  return y;
}

/**
 * Inverted dropout: in training y = x ⊙ mask with mask = [u < 1 − rate] / (1 − rate), drawn per
 * batch as a noise input (`noise.<scope>.dropout`, like a VAE's ε), so a resumed run draws the
 * same masks; in eval graphs y = x.
 */
export function dropout(b: Builder, x: Value, rate: number): Value {
  if (!(rate >= 0 && rate < 1)) throw new UsageError(`${layerName(b, 'dropout')}: rate must be in [0, 1) (got ${rate})`);
  if (b.mode === 'eval' || rate === 0) return x;
  const shape = x.shape.slice(1);
  if (!shape.every((d): d is number => typeof d === 'number')) throw new UsageError(`${layerName(b, 'dropout')}: per-sample shape of ${formatShape(x.shape)} must be static`);
  const keep = 1 - rate;
  const mask = b.noise('dropout', shape, (rng, out) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform() < keep ? 1 / keep : 0;
  });
  return op.mul(x, mask);
}

/** [B, C, H, W] → [B, C·H·W] (row-major, as the data's [C, H, W] samples are stored). */
export function flatten(x: Value): Value {
  return op.reshape(x, [x.shape[0]!, -1]);
}

/** [B, C·H·W] → [B, C, H, W]. */
export function unflatten(x: Value, chw: ChwShape): Value {
  return op.reshape(x, [x.shape[0]!, ...chw]);
}

// ---------------------------------------------------------------- stacks

export interface ConvStackSpec {
  /** Output channels of each conv layer, e.g. [32, 64]. */
  readonly channels: readonly number[];
  readonly kernel: number;
  readonly stride: number;
  /** Default 'same'. */
  readonly padding?: 'same' | 'valid';
}

/** One conv layer of a planned stack. */
export interface ConvStage {
  readonly input: ChwShape;
  readonly output: ChwShape;
  /** [top, left, bottom, right]. */
  readonly pads: readonly [number, number, number, number];
  /** Rows/columns the stride leaves unread at the bottom/right: the mirror's output padding. */
  readonly remainder: readonly [number, number];
}

export interface ConvPlan {
  readonly spec: ConvStackSpec;
  readonly input: ChwShape;
  readonly stages: readonly ConvStage[];
  /** Shape of the last stage's output. */
  readonly output: ChwShape;
}

const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;

/** One layer's output height and width on an H×W input, and its pads [top, left, bottom, right] ('same' pads as ONNX SAME_UPPER). */
function layerGeometry(h: number, w: number, spec: ConvStackSpec): { oh: number; ow: number; pads: [number, number, number, number] } {
  const [pt, pb] = spec.padding === 'valid' ? [0, 0] : samePads(h, spec.kernel, spec.stride);
  const [pl, pr] = spec.padding === 'valid' ? [0, 0] : samePads(w, spec.kernel, spec.stride);
  return { oh: windowOutSize(h, spec.kernel, spec.stride, pt!, pb!), ow: windowOutSize(w, spec.kernel, spec.stride, pl!, pr!), pads: [pt!, pl!, pb!, pr!] };
}

/** How many layers of the stack an H×W image fits before an input gets smaller than the stride or the kernel. */
function maxLayers(h: number, w: number, spec: ConvStackSpec): number {
  let [hh, ww] = [h, w];
  for (let n = 0; n < 64; n++) {
    if (Math.min(hh, ww) < Math.max(spec.stride, spec.kernel)) return n;
    const { oh, ow } = layerGeometry(hh, ww, spec);
    if (oh === hh && ow === ww) return Infinity;
    [hh, ww] = [oh, ow];
  }
  return 64;
}

/**
 * The shapes of a conv stack on [C, H, W] images, or a one-line `UsageError` naming the layer,
 * the shapes and the fix: a kernel larger than its input, a stride larger than its input
 * (no room for a second output position: the channel list has more layers than the image fits).
 */
export function planConvStack(input: readonly number[], spec: ConvStackSpec): ConvPlan {
  if (input.length !== 3 || !input.every(positiveInt)) throw new UsageError(`conv layers need [C, H, W] images, got samples of shape ${formatShape(input)}`);
  if (spec.channels.length === 0 || !spec.channels.every(positiveInt)) throw new UsageError(`conv channels must be positive integers (got ${spec.channels.join(',') || 'none'})`);
  if (!positiveInt(spec.kernel)) throw new UsageError(`conv kernel must be a positive integer (got ${spec.kernel})`);
  if (!positiveInt(spec.stride)) throw new UsageError(`conv stride must be a positive integer (got ${spec.stride})`);
  const chw: ChwShape = [input[0]!, input[1]!, input[2]!];
  const list = spec.channels.join(',');
  const stages: ConvStage[] = [];
  let cur = chw;
  spec.channels.forEach((out, i) => {
    const layer = `conv layer ${i + 1} of ${spec.channels.length} (${cur[0]}→${out} channels)`;
    const [h, w] = [cur[1], cur[2]];
    if (spec.kernel > h || spec.kernel > w) {
      const fit = maxLayers(chw[1], chw[2], spec);
      const fix = i === 0 ? `use a kernel of at most ${Math.min(h, w)}` : `use at most ${fit} layers (--conv with ${fit} channel counts) or a smaller kernel`;
      throw new UsageError(`${layer}: kernel ${spec.kernel}×${spec.kernel} is larger than its ${h}×${w} input (image ${chw.join('×')}, channels ${list}); ${fix}`);
    }
    if (spec.stride > h || spec.stride > w) {
      const fit = maxLayers(chw[1], chw[2], spec);
      const fix = i === 0 || fit === 0 ? `use a stride of at most ${Math.min(h, w)}` : `use at most ${fit} layers (--conv with ${fit} channel counts) or a smaller stride`;
      throw new UsageError(`${layer}: stride ${spec.stride} is larger than its ${h}×${w} input, leaving no room for a second output position (image ${chw.join('×')}, channels ${list}); ${fix}`);
    }
    const { oh, ow, pads } = layerGeometry(h, w, spec);
    const [pt, pl, pb, pr] = pads;
    const remainder: [number, number] = [(h + pt + pb - spec.kernel) % spec.stride, (w + pl + pr - spec.kernel) % spec.stride];
    stages.push({ input: cur, output: [out, oh, ow], pads, remainder });
    cur = [out, oh, ow];
  });
  return { spec, input: chw, stages, output: cur };
}

export interface ConvStackOptions {
  /** After every layer (default relu). */
  readonly activation?: Activation;
  /** Batch normalisation between each conv and its activation. */
  readonly batchNorm?: boolean;
  readonly init?: InitName;
}

/** The encoder half: the plan's convs, each followed by its activation; scoped `<i>.W`, `<i>.b`. x [B, C, H, W] → [B, ...plan.output]. */
export function convStack(b: Builder, x: Value, plan: ConvPlan, opts: ConvStackOptions = {}): Value {
  const got = chwOf(x, 'convStack');
  if (got.some((d, i) => d !== plan.input[i])) throw new UsageError(`convStack: images ${formatShape(got)} do not match the ${formatShape(plan.input)} the layers were planned for`);
  let h = x;
  plan.stages.forEach((st, i) => {
    const s = b.scope(String(i));
    h = conv2d(s, h, st.output[0], { kernel: plan.spec.kernel, stride: plan.spec.stride, padding: st.pads, ...(opts.init && { init: opts.init }) });
    if (opts.batchNorm) h = batchNorm(s.scope('bn'), h);
    h = activate(h, opts.activation ?? 'relu');
  });
  return h;
}

export type DecoderUpsampling = 'transpose' | UpsampleMode;

export interface DeconvStackOptions extends ConvStackOptions {
  /** Channels of the image the decoder produces (default: the plan's input channels). */
  readonly outChannels?: number;
  /** Transposed convs (default), or nearest/bilinear resize followed by a stride-1 conv. */
  readonly upsample?: DecoderUpsampling;
}

/**
 * The decoder half, mirroring an encoder plan: h [B, ...plan.output] goes back through the
 * stages in reverse, stage i restoring stage i's input size with stage i's channel count
 * (Keras VAE example: 7×7×64 → 14×14×64 → 28×28×32), then a stride-1 'same' conv to the
 * image's channels with no activation (the caller applies its output nonlinearity).
 *  - 'transpose': ConvTranspose with the stage's kernel, stride and pads, output padding = the
 *    rows the stage's stride left unread, so the size comes back exactly;
 *  - 'nearest'/'bilinear': resize by the stride, then a conv whose padding (or a crop) lands
 *    on the stage's input size.
 * Scoped `<j>.W`, `<j>.b` for stage j (reverse order from 0) and `out.W`, `out.b`.
 */
export function deconvStack(b: Builder, h: Value, plan: ConvPlan, opts: DeconvStackOptions = {}): Value {
  const got = chwOf(h, 'deconvStack');
  if (got.some((d, i) => d !== plan.output[i])) throw new UsageError(`deconvStack: features ${formatShape(got)} do not match the encoder's output ${formatShape(plan.output)}`);
  const { kernel, stride } = plan.spec;
  const mode = opts.upsample ?? 'transpose';
  const init = opts.init && { init: opts.init };
  let y = h;
  [...plan.stages].reverse().forEach((st, j) => {
    const s = b.scope(String(j));
    const channels = st.output[0];
    if (mode === 'transpose') {
      y = convTranspose2d(s, y, channels, { kernel, stride, padding: st.pads, outputPadding: [st.remainder[0], st.remainder[1]], ...init });
    } else {
      y = upsample(y, stride, mode);
      y = fitConv(s, y, channels, st.input, kernel, init);
    }
    if (opts.batchNorm) y = batchNorm(s.scope('bn'), y);
    y = activate(y, opts.activation ?? 'relu');
  });
  const out = conv2d(b.scope('out'), y, opts.outChannels ?? plan.input[0], { kernel, stride: 1, padding: 'same', ...init });
  return out;
}

/** A stride-1 conv from an upsampled map to exactly `target`'s H×W: padding where it is short, a crop where it is long. */
function fitConv(b: Builder, x: Value, channels: number, target: ChwShape, kernel: number, init: { init: InitName } | undefined): Value {
  let y = x;
  const pads = [0, 0, 0, 0];
  for (const a of [0, 1]) {
    const have = y.shape[a + 2] as number;
    const need = target[a + 1]! + kernel - 1; // a valid conv of `kernel` turns need into target
    if (have > need) y = op.slice(y, a + 2, 0, need);
    else {
      pads[a] = Math.floor((need - have) / 2);
      pads[a + 2] = need - have - pads[a]!;
    }
  }
  return conv2d(b, y, channels, { kernel, stride: 1, padding: [pads[0]!, pads[1]!, pads[2]!, pads[3]!], ...init });
}
