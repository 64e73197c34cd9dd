/**
 * Configuration of the conditional VAE (Sohn et al. 2015; Kingma et al. 2014, M2-style
 * conditioning): every VAE option, plus the number of label classes read as one-hot y and the
 * scale at which that one-hot joins the networks' inputs.
 */
import { z } from 'zod';
import { vaeConfigSchema } from '../vae/config.js';
import { LABEL_SCALE_DEFAULT } from './label-scale.js';
import type { FlagSpec } from '../family.js';
import { vaeFlags } from '../vae/config.js';

export const cvaeConfigSchema = z
  .object({
    ...vaeConfigSchema.shape,
    family: z.literal('cvae').default('cvae'),
    /** Label classes (set from the data by the workflow); y is one-hot [B, numClasses]. */
    numClasses: z.number().int().min(2).default(10),
    /**
     * s: the one-hot label joins the encoder input (x ⊕ s·y) and the decoder input (z ⊕ s·y)
     * multiplied by s, so the decoder learns to read it (see ./label-scale.ts). 1 is the plain
     * one-hot of earlier cvae runs, whose decoder learned to ignore the label at latent 20.
     */
    labelScale: z.number().positive({ error: (i) => `must be positive (got ${String(i.input)})` }).default(LABEL_SCALE_DEFAULT),
  })
  .strict();

export type CvaeConfig = Readonly<z.infer<typeof cvaeConfigSchema>>;

/**
 * A cvae config saved before `labelScale` existed trained with the plain one-hot (s = 1);
 * reading it with today's default (10) would decode its labels wrongly, so it gets s = 1.
 */
export function upgradeSavedCvaeConfig(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return 'labelScale' in raw ? { ...raw } : { ...raw, labelScale: 1 };
}

/** The flags of `--model cvae`: the VAE's and the label scale. */
export const cvaeFlags: readonly FlagSpec[] = [
  ...vaeFlags,
  { flag: '--label-scale <s>', key: 'labelScale', help: 'CVAE: scale of the one-hot label where it joins the encoder and decoder inputs (default 10)', type: 'positiveNumber' },
];
