/**
 * The convolutional encoder and mirrored decoder shared by the conv families, on NCHW images
 * x [B, C, H, W] (flat rows [B, C·H·W] are reshaped first):
 *
 *   encoder  h = act(Conv_L(… act(Conv_1(x ⊕ P)) …))      [B, c_L, H_L, W_L]  (stride s, kernel k, 'same')
 *            f = act(Dense_m(… act(Dense_1(flatten(h))) …))                [B, dense_m]
 *   decoder  g = act(Dense(… act(Dense(z ⊕ s·y)) …))  through dense_m … dense_1, then c_L·H_L·W_L
 *            ℓ = Conv_out(act(Deconv_1(… act(Deconv_L(unflatten(g))) …)))  [B, C, H, W]
 *
 * Deconv_i restores conv layer i's input size with conv layer i's channel count (a transposed
 * conv of the same kernel, stride and pads, or a resize by s and a stride-1 conv); Conv_out is a
 * stride-1 'same' conv to the image's C channels with no activation: ℓ is the raw output (logits
 * or mean) the family links to data space. For 28×28×1 and the defaults (conv 32,64, kernel 3,
 * stride 2, no dense layer) this is 28² → 14²×32 → 7²×64 → code → 7²×64 → 14²×64 → 28²×32 →
 * 28²×1: the Keras VAE example's decoder, and its encoder without the Dense 16 (`dense: [16]`).
 *
 * P are label planes (conditional models): the one-hot y [B, K] (times s) broadcast to
 * [B, K, H, W] and joined to the image channels, so the first conv reads the class at every
 * position. Parameters: `enc.conv.<i>`, `enc.dense.<i>`, `dec.dense.<i>`, `dec.conv.<j>`,
 * `dec.conv.out` (each `.W`, `.b`) under the builder given.
 */
import { UsageError } from '../../errors.js';
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { type ChwShape, type ConvPlan, convStack, deconvStack, flatten, planConvStack, unflatten } from '../../nn/conv.js';
import { activate, dense } from '../../nn/layers.js';
import type { ConvFields } from './fields.js';

/** [C, H, W] of a conv family's samples, or a one-line error naming the family, the shape and the fix. */
export function imageShapeOf(family: string, inputShape: readonly number[]): ChwShape {
  if (inputShape.length !== 3) {
    throw new UsageError(
      `--model ${family} needs image samples [C, H, W], but the data's samples have shape [${inputShape.join(', ')}]; train it on images (IDX files, a PNG folder, or .npy of shape [n, C, H, W]) or use a dense family (ae, vae, …)`,
    );
  }
  return [inputShape[0]!, inputShape[1]!, inputShape[2]!];
}

export class ConvNet {
  /** [C, H, W] of one sample. */
  readonly image: ChwShape;
  /** The encoder's conv layers, planned on C + labelChannels input channels. */
  readonly plan: ConvPlan;

  constructor(
    readonly family: string,
    readonly config: ConvFields,
    /** Label planes joined to the encoder's input channels (conditional models), else 0. */
    readonly labelChannels = 0,
  ) {
    this.image = imageShapeOf(family, config.inputShape);
    const [c, h, w] = this.image;
    this.plan = planConvStack([c + labelChannels, h, w], { channels: config.conv, kernel: config.kernel, stride: config.stride });
  }

  /** C·H·W. */
  get inputSize(): number {
    return this.image[0] * this.image[1] * this.image[2];
  }

  /** Values of the encoder's last conv output per sample (c_L·H_L·W_L). */
  get featureSize(): number {
    const [c, h, w] = this.plan.output;
    return c * h * w;
  }

  /** x as [B, C, H, W] (flat rows are reshaped; other shapes must match the image). */
  asImage(x: Value): Value {
    if (x.rank === 2 && x.shape[1] === this.inputSize) return op.reshape(x, ['B', ...this.image]);
    return x;
  }

  /** x as [B, C·H·W]. */
  asFlat(x: Value): Value {
    return x.rank === 2 ? x : op.reshape(x, ['B', this.inputSize]);
  }

  /** [B, K] → [B, K, H, W]: each label value repeated over the image plane. */
  private labelPlanes(y: Value): Value {
    const [, h, w] = this.image;
    const k = y.shape[1] as number;
    return op.mul(op.reshape(y, ['B', k, 1, 1]), y.graph.constant(new Float32Array(h * w).fill(1), [1, 1, h, w]));
  }

  /** The encoder's features f [B, dense_m] (or the flattened conv output when `dense` is empty). `enc` is the encoder's scope. */
  encodeFeatures(enc: Builder, x: Value, y?: Value): Value {
    const img = this.asImage(x);
    const input = y && this.labelChannels > 0 ? op.concat([img, this.labelPlanes(y)], 1) : img;
    const opts = { activation: this.config.activation, init: this.config.init, batchNorm: this.config.batchNorm };
    let h = flatten(convStack(enc.scope('conv'), input, this.plan, opts));
    this.config.dense.forEach((n, i) => {
      h = activate(dense(enc.scope('dense').scope(String(i)), h, n, { init: this.config.init }), this.config.activation);
    });
    return h;
  }

  /** The decoder's raw output ℓ [B, C, H, W] from its input v [B, ·] (z, or z ⊕ s·y). `dec` is the decoder's scope. */
  decodeRaw(dec: Builder, v: Value): Value {
    const sizes = [...[...this.config.dense].reverse(), this.featureSize];
    let g = v;
    sizes.forEach((n, i) => {
      g = activate(dense(dec.scope('dense').scope(String(i)), g, n, { init: this.config.init }), this.config.activation);
    });
    return deconvStack(dec.scope('conv'), unflatten(g, this.plan.output), this.plan, {
      activation: this.config.activation,
      init: this.config.init,
      upsample: this.config.upsample,
      outChannels: this.image[0],
      batchNorm: this.config.batchNorm,
    });
  }
}
