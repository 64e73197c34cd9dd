/**
 * Configuration of the convolutional autoencoder: the conv encoder/decoder of
 * ../conv-common (Keras VAE example defaults), a deterministic code, and the regularisers
 * that combine with a conv encoder:
 *  - denoising (Vincent et al. 2008): `corruption` / `noiseLevel` corrupt the input x̃ ~ q(x̃|x)
 *    elementwise before the encoder (0 = off), the loss reconstructs the clean x;
 *  - sparse (Ng, CS294A): `penalty` l1 or kl on the code activations with weight `lambda`;
 *  - contractive (Rifai et al. 2011): weight `contractive` of ‖∂code/∂x‖_F², by one
 *    vector-Jacobian product per code unit through the conv layers (second order).
 * Each is off at weight 0 (the default); all three may be combined.
 */
import { z } from 'zod';
import { type Activation, ACTIVATIONS } from '../../nn/layers.js';
import { CORRUPTIONS } from '../dae/config.js';
import { convFields } from '../conv-common/fields.js';

const activation = z.enum(ACTIVATIONS as unknown as [Activation, ...Activation[]]);

import { SPARSITY_PENALTIES } from '../sparse/config.js';

export const convAeConfigSchema = z
  .object({
    family: z.literal('conv-ae').default('conv-ae'),
    ...convFields,
    /** Code size (the ae default). */
    latent: z.number().int().positive().default(32),
    codeActivation: activation.default('linear'),
    outputActivation: activation.default('sigmoid'),
    /** Reconstruction loss: summed Bernoulli NLL (needs a sigmoid output) or summed squared error. */
    loss: z.enum(['mse', 'bce']).default('bce'),
    corruption: z.enum(CORRUPTIONS, { error: (iss) => `must be one of ${CORRUPTIONS.join(', ')} (got ${String(iss.input)})` }).default('masking'),
    /** σ (gaussian) or the corrupted fraction (masking, salt_pepper); 0 = no corruption. */
    noiseLevel: z.number().min(0, { error: (iss) => `must be non-negative (got ${String(iss.input)})` }).default(0),
    penalty: z.enum(SPARSITY_PENALTIES, { error: (iss) => `must be one of ${SPARSITY_PENALTIES.join(', ')} (got ${String(iss.input)})` }).default('l1'),
    /** Weight λ ≥ 0 of the sparsity penalty; 0 = none. */
    lambda: z.number().min(0, { error: (iss) => `must be non-negative (got ${String(iss.input)})` }).default(0),
    /** Target mean activation ρ of each code unit (kl penalty). */
    rho: z
      .number()
      .gt(0, { error: (iss) => `must be in (0, 1) (got ${String(iss.input)})` })
      .lt(1, { error: (iss) => `must be in (0, 1) (got ${String(iss.input)})` })
      .default(0.05),
    /** Weight λ_c ≥ 0 of the contractive penalty ‖∂code/∂x‖_F²; 0 = none. */
    contractive: z.number().min(0, { error: (iss) => `must be non-negative (got ${String(iss.input)})` }).default(0),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.loss === 'bce' && c.outputActivation !== 'sigmoid') {
      ctx.addIssue({ code: 'custom', path: ['loss'], message: `bce needs a sigmoid output activation (got ${c.outputActivation}); use --loss mse` });
    }
    if (c.corruption !== 'gaussian' && c.noiseLevel > 1) {
      ctx.addIssue({ code: 'custom', path: ['noiseLevel'], message: `is the corrupted fraction for ${c.corruption} and must be in [0, 1] (got ${c.noiseLevel})` });
    }
    if (c.penalty === 'kl' && c.lambda > 0 && c.codeActivation !== 'sigmoid') {
      ctx.addIssue({ code: 'custom', path: ['codeActivation'], message: `the kl sparsity penalty needs a sigmoid code, got ${c.codeActivation}; use --code-activation sigmoid or --penalty l1` });
    }
  });

export type ConvAeConfig = Readonly<z.infer<typeof convAeConfigSchema>>;
