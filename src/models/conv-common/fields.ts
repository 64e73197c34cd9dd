/**
 * Config fields of every convolutional family (conv-ae, conv-vae, conv-cvae, vaegan). The
 * defaults are the conv layers of the Keras VAE example ("Variational AutoEncoder", F. Chollet,
 * keras.io/examples/generative/vae): 28×28×1 → Conv 32 (3×3, stride 2, same) → 14×14×32 →
 * Conv 64 (3×3, stride 2, same) → 7×7×64 → Flatten → code, with ReLU; the decoder mirrors it
 * (see ./conv-net.ts), which makes it exactly the Keras decoder (z → Dense 7·7·64 → deconvs).
 *
 * No dense layer by default (`dense: []`). Keras puts a Dense 16 before its 2-D code; in front
 * of latentkit's 16–32-wide codes that layer is a bottleneck: on Fashion-MNIST (60k, 10 epochs,
 * latent 16) the conv VAE with it lost to the dense VAE by 4.3 nats of test ELBO and the conv AE
 * had 43% more MSE than the dense AE, while without it both conv families win (BENCHMARKS.md,
 * issue 7). `--dense 16 --latent 2` gives the Keras encoder.
 */
import { z } from 'zod';
import { type Activation, ACTIVATIONS } from '../../nn/layers.js';

const positiveInt = z.number().int().positive();
const activation = z.enum(ACTIVATIONS as unknown as [Activation, ...Activation[]]);

export const UPSAMPLINGS = ['transpose', 'nearest', 'bilinear'] as const;
export type Upsampling = (typeof UPSAMPLINGS)[number];

export const convFields = {
  /** Shape of one input sample [C, H, W] (set from the data: [1, H, W] grayscale, [3, H, W] RGB). */
  inputShape: z.array(positiveInt).min(1).default([1, 28, 28]),
  /** Output channels of each encoder conv layer; the decoder mirrors them with transposed convs (or resize + conv). */
  conv: z.array(positiveInt).min(1).default([32, 64]),
  /** Square kernel size of every conv layer. */
  kernel: positiveInt.default(3),
  /** Stride of every encoder conv layer ('same' padding: each halves H and W at stride 2). */
  stride: positiveInt.default(2),
  /** Dense layers between the flattened conv features and the code; the decoder mirrors them. [] = none. */
  dense: z.array(positiveInt).default([]),
  /** How the decoder upsamples: transposed convs, or nearest/bilinear resize followed by a stride-1 conv. */
  upsample: z.enum(UPSAMPLINGS).default('transpose'),
  /** Activation after every conv and dense layer but the code and the output. */
  activation: activation.default('relu'),
  /** Weight initialiser ('torch' = PyTorch's Conv2d/Linear default U(±1/√fan_in)). */
  init: z.enum(['torch', 'he', 'glorot']).default('torch'),
  /**
   * Batch normalisation after every conv of the encoder and every upsampling layer of the decoder
   * (Ioffe & Szegedy 2015): batch statistics in training, running statistics (momentum 0.1) in
   * evaluation, export and the latent tools; the running statistics are checkpointed model state.
   */
  batchNorm: z.boolean().default(false),
};

export type ConvFields = {
  readonly inputShape: readonly number[];
  readonly conv: readonly number[];
  readonly kernel: number;
  readonly stride: number;
  readonly dense: readonly number[];
  readonly upsample: Upsampling;
  readonly activation: Activation;
  readonly init: 'torch' | 'he' | 'glorot';
  readonly batchNorm: boolean;
};
