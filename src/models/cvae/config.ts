/**
 * Configuration of the conditional VAE (Sohn et al. 2015; Kingma et al. 2014, M2-style
 * conditioning): every VAE option, plus the number of label classes read as one-hot y.
 */
import { z } from 'zod';
import { vaeConfigSchema } from '../vae/config.js';

export const cvaeConfigSchema = z
  .object({
    ...vaeConfigSchema.shape,
    family: z.literal('cvae').default('cvae'),
    /** Label classes (set from the data by the workflow); y is one-hot [B, numClasses]. */
    numClasses: z.number().int().min(2).default(10),
  })
  .strict();

export type CvaeConfig = Readonly<z.infer<typeof cvaeConfigSchema>>;
