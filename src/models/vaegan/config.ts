/**
 * Configuration of the VAE-GAN (Larsen, Sønderby, Larochelle & Winther 2016, "Autoencoding
 * beyond pixels using a learned similarity metric"): every conv-vae option (the encoder and
 * decoder), the discriminator's conv layers, and the weights of the three phases.
 */
import { z } from 'zod';
import { convVaeFields } from '../conv-vae/config.js';

const positive = z.number().positive({ error: (i) => `must be positive (got ${String(i.input)})` });

export const vaeganConfigSchema = z
  .object({
    family: z.literal('vaegan').default('vaegan'),
    ...convVaeFields,
    /**
     * No batch normalisation: the decoder runs twice in one training step (on z ~ q(z|x) and on a
     * prior draw), and a layer's running statistics take one update per step.
     */
    batchNorm: z.literal(false, { error: () => 'vaegan does not take --batch-norm: its decoder runs twice per training step (reconstruction and prior sample), and batch-norm running statistics take one update per step' }).default(false),
    /** Output channels of the discriminator's conv layers (kernel and stride as the encoder's); default: the encoder's `conv`. */
    discConv: z.array(z.number().int().positive()).min(1).optional(),
    /**
     * γ: weight of the feature-space reconstruction against the GAN loss in the decoder's
     * objective γ·L_llike^{Dis_l} + L_GAN (Larsen et al., eq. 9 and Alg. 1).
     */
    gamma: positive.default(1),
    /**
     * Weight of the pixel-space −log p(x|z) (Bernoulli/Gaussian, as conv-vae) added to the
     * encoder's and decoder's objectives; 0 = Larsen et al.'s objectives exactly.
     */
    pixelWeight: z.number().min(0, { error: (i) => `must be non-negative (got ${String(i.input)})` }).default(0),
    /** Learning-rate multiplier of the discriminator phase. */
    discLrScale: positive.default(1),
  })
  .strict();

export type VaeganConfig = Readonly<z.infer<typeof vaeganConfigSchema>>;
