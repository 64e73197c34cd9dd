/**
 * Configuration of the vanilla autoencoder. A shallow AE with linear code and output
 * activations and MSE loss spans the same subspace as PCA (Baldi & Hornik 1989).
 */
import { z } from 'zod';
import { denseAeFields, refineDenseAe } from '../common/dense-ae.js';

export const aeConfigSchema = z
  .object({ family: z.literal('ae').default('ae'), ...denseAeFields })
  .strict()
  .superRefine(refineDenseAe);

export type AeConfig = Readonly<z.infer<typeof aeConfigSchema>>;
