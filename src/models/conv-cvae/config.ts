/**
 * Configuration of the conditional convolutional VAE: every conv-vae option, the number of
 * label classes read as one-hot y, and the scale s at which the one-hot joins the networks
 * (default 10, as cvae's; see ../cvae/label-scale.ts for why s > 1).
 */
import { z } from 'zod';
import { LABEL_SCALE_DEFAULT } from '../cvae/label-scale.js';
import { convVaeFields } from '../conv-vae/config.js';

export const convCvaeConfigSchema = z
  .object({
    family: z.literal('conv-cvae').default('conv-cvae'),
    ...convVaeFields,
    /** Label classes (set from the data by the workflow); y is one-hot [B, numClasses]. */
    numClasses: z.number().int().min(2).default(10),
    /** s: the encoder reads x ⊕ s·y planes, the decoder z ⊕ s·y. */
    labelScale: z.number().positive({ error: (i) => `must be positive (got ${String(i.input)})` }).default(LABEL_SCALE_DEFAULT),
  })
  .strict();

export type ConvCvaeConfig = Readonly<z.infer<typeof convCvaeConfigSchema>>;
