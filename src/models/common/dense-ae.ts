/**
 * The dense autoencoder body shared by ae, dae, sparse, cae and stacked:
 *   encoder  h_0 = x;  h_i = act(h_{i-1}·W_i + b_i) for hidden sizes;  code = codeAct(h·W_L + b_L)
 *   decoder  mirrors the sizes back to the input; output = outAct(raw)
 * Tied weights reuse each encoder W_i transposed in the mirrored decoder layer
 * (W_dec = W_encᵀ, separate biases). The reconstruction loss is a per-sample sum over
 * pixels: squared error (mse) or Bernoulli NLL (bce, which needs a sigmoid output).
 */
import { z } from 'zod';
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { initializerFor, torchUniform, zeros } from '../../nn/init.js';
import { type Activation, activate, ACTIVATIONS } from '../../nn/layers.js';
import { batchMean, bceWithLogits, meanSquaredError, sumSquaredError } from '../../losses/reconstruction.js';

const activation = z.enum(ACTIVATIONS as unknown as [Activation, ...Activation[]]);

/** Config fields of every dense autoencoder. */
export const denseAeFields = {
  /** Shape of one input sample (set from the data). */
  inputShape: z.array(z.number().int().positive()).min(1).default([784]),
  /** Code (latent) size; under- or over-complete. */
  latent: z.number().int().positive().default(32),
  /** Hidden layer sizes of the encoder; the decoder mirrors them. [] = a single layer each way. */
  hidden: z.array(z.number().int().positive()).default([256]),
  /** Activation of hidden layers. */
  activation: activation.default('relu'),
  /** Activation of the code layer. */
  codeActivation: activation.default('linear'),
  /** Activation of the output layer. */
  outputActivation: activation.default('sigmoid'),
  /** Decoder weights are the transposed encoder weights. */
  tied: z.boolean().default(false),
  /** Reconstruction loss: summed squared error or Bernoulli cross-entropy (needs a sigmoid output). */
  loss: z.enum(['mse', 'bce']).default('bce'),
  init: z.enum(['torch', 'he', 'glorot']).default('torch'),
};

export type DenseAeConfig = {
  readonly inputShape: readonly number[];
  readonly latent: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly codeActivation: Activation;
  readonly outputActivation: Activation;
  readonly tied: boolean;
  readonly loss: 'mse' | 'bce';
  readonly init: 'torch' | 'he' | 'glorot';
};

/** Cross-field checks shared by the dense families (zod superRefine). */
export function refineDenseAe(c: DenseAeConfig, ctx: z.RefinementCtx): void {
  if (c.loss === 'bce' && c.outputActivation !== 'sigmoid') {
    ctx.addIssue({ code: 'custom', path: ['loss'], message: `bce needs a sigmoid output activation (got ${c.outputActivation}); use --loss mse` });
  }
}

export interface Encoded {
  /** Code before its activation. */
  readonly pre: Value;
  /** The code, [B, latent]. */
  readonly code: Value;
}

export class DenseAutoencoder {
  constructor(readonly config: DenseAeConfig) {}

  get inputSize(): number {
    return this.config.inputShape.reduce((a, b) => a * b, 1);
  }

  /** x as [B, D]. */
  flat(x: Value): Value {
    return x.rank === 2 ? x : op.reshape(x, ['B', this.inputSize]);
  }

  /** x̂ [B, D] back to [B, ...inputShape]. */
  unflat(x: Value): Value {
    return this.config.inputShape.length === 1 ? x : op.reshape(x, ['B', ...this.config.inputShape]);
  }

  private layer(b: Builder, x: Value, out: number): Value {
    const inDim = x.shape[1] as number;
    const W = b.param('W', [inDim, out], initializerFor(this.config.init, inDim));
    const bias = b.param('b', [out], this.config.init === 'torch' ? torchUniform(inDim) : zeros);
    return op.gemm(x, W, bias);
  }

  /** Layer sizes of the encoder: hidden..., latent. */
  get encoderSizes(): number[] {
    return [...this.config.hidden, this.config.latent];
  }

  encode(b: Builder, x: Value): Encoded {
    const e = b.scope('enc');
    let h = this.flat(x);
    const sizes = this.encoderSizes;
    let pre = h;
    sizes.forEach((n, i) => {
      pre = this.layer(e.scope(String(i)), h, n);
      h = activate(pre, i === sizes.length - 1 ? this.config.codeActivation : this.config.activation);
    });
    return { pre, code: h };
  }

  /** The decoder output before its activation, [B, D]. */
  decodeRaw(b: Builder, z: Value): Value {
    const d = b.scope('dec');
    const enc = b.scope('enc');
    const inSizes = [this.inputSize, ...this.config.hidden];
    const L = inSizes.length;
    let h = z;
    for (let k = 0; k < L; k++) {
      const encIndex = L - 1 - k;
      const out = inSizes[encIndex]!;
      let raw: Value;
      if (this.config.tied) {
        const inDim = h.shape[1] as number;
        const W = enc.scope(String(encIndex)).param('W', [out, inDim], initializerFor(this.config.init, out));
        const bias = d.scope(String(k)).param('b', [out], this.config.init === 'torch' ? torchUniform(inDim) : zeros);
        raw = op.gemm(h, W, bias, { transB: true });
      } else {
        raw = this.layer(d.scope(String(k)), h, out);
      }
      h = k === L - 1 ? raw : activate(raw, this.config.activation);
    }
    return h;
  }

  /** Output mean in data space from the raw decoder output. */
  output(raw: Value): Value {
    return activate(raw, this.config.outputActivation);
  }

  decode(b: Builder, z: Value): Value {
    return this.unflat(this.output(this.decodeRaw(b, z)));
  }

  /** Per-sample reconstruction loss [B] of target x (flat) from the raw decoder output. */
  reconstructionLoss(raw: Value, x: Value): Value {
    return this.config.loss === 'bce' ? bceWithLogits(raw, x) : sumSquaredError(this.output(raw), x);
  }

  /** Per-pixel MSE of the output against x (flat), batch mean: the scale shared with PCA. */
  mse(raw: Value, x: Value): Value {
    return batchMean(meanSquaredError(this.output(raw), x));
  }
}
