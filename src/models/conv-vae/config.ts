/**
 * Configuration of the convolutional VAE: the conv encoder/decoder of ../conv-common (the
 * Keras VAE example's conv layers: conv 32, 64 with stride 2, mirrored decoder) and the
 * VAE's likelihood options. The latent size keeps latentkit's VAE default (20; the Keras
 * example uses 2, `--latent 2`).
 */
import { z } from 'zod';
import { convFields } from '../conv-common/fields.js';

const nonNegative = z.number().nonnegative({ error: (i) => `must be non-negative (got ${String(i.input)})` });

/** The VAE options of every conv VAE family (conv-vae, conv-cvae, vaegan). */
export const convVaeFields = {
  ...convFields,
  latent: z.number().int().positive().default(20),
  /** p(x|z): Bernoulli (BCE with logits) or Gaussian (fixed or learned per-pixel variance). */
  likelihood: z.enum(['bernoulli', 'gaussian']).default('bernoulli'),
  learnVariance: z.boolean().default(false),
  /** β of β-VAE: weight of the KL term. */
  beta: nonNegative.default(1),
  /** Epochs over which the KL weight ramps linearly from 0 to β (0 = none). */
  klWarmup: nonNegative.default(0),
};

export const convVaeConfigSchema = z
  .object({ family: z.literal('conv-vae').default('conv-vae'), ...convVaeFields })
  .strict();

export type ConvVaeConfig = Readonly<z.infer<typeof convVaeConfigSchema>>;
