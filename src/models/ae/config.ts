/**
 * Configuration of the vanilla autoencoder. A shallow AE with linear code and output
 * activations and MSE loss spans the same subspace as PCA (Baldi & Hornik 1989).
 */
import { z } from 'zod';
import { denseAeFields, refineDenseAe } from '../common/dense-ae.js';
import type { FlagSpec } from '../family.js';
import { DENSE_AE_FLAGS } from '../common/flags.js';

export const aeConfigSchema = z
  .object({ family: z.literal('ae').default('ae'), ...denseAeFields })
  .strict()
  .superRefine(refineDenseAe);

export type AeConfig = Readonly<z.infer<typeof aeConfigSchema>>;

/** The flags of `--model ae`: the dense AE body's. */
export const aeFlags: readonly FlagSpec[] = DENSE_AE_FLAGS;
