/**
 * Configuration of the denoising autoencoder (Vincent et al. 2008). The dense AE body and
 * its fields are shared with `ae`; the extra keys choose how inputs are corrupted while
 * training (`--corruption`, `--noise-level`).
 */
import { z } from 'zod';
import { denseAeFields, refineDenseAe } from '../common/dense-ae.js';
import type { FlagSpec } from '../family.js';
import { DENSE_AE_FLAGS } from '../common/flags.js';

export const CORRUPTIONS = ['gaussian', 'masking', 'salt_pepper'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

export const daeConfigSchema = z
  .object({
    family: z.literal('dae').default('dae'),
    ...denseAeFields,
    /**
     * How x̃ is drawn from x: `gaussian` x̃ = x + σε; `masking` each input set to 0 with
     * probability p; `salt_pepper` each input set to 0 or 1 (half each) with probability p.
     */
    corruption: z.enum(CORRUPTIONS, { error: (iss) => `must be one of ${CORRUPTIONS.join(', ')} (got ${String(iss.input)})` }).default('masking'),
    /** σ of the gaussian corruption, or the corrupted fraction p of masking and salt_pepper; 0 = no corruption (a plain AE). */
    noiseLevel: z
      .number({ error: (iss) => `must be a number (got ${String(iss.input)})` })
      .min(0, { error: (iss) => `must be non-negative (got ${String(iss.input)})` })
      .default(0.3),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineDenseAe(c, ctx);
    if (c.corruption !== 'gaussian' && c.noiseLevel > 1) {
      ctx.addIssue({ code: 'custom', path: ['noiseLevel'], message: `is the corrupted fraction for ${c.corruption} and must be in [0, 1] (got ${c.noiseLevel})` });
    }
  });

export type DaeConfig = Readonly<z.infer<typeof daeConfigSchema>>;

/** The flags of `--model dae`. */
export const daeFlags: readonly FlagSpec[] = [
  ...DENSE_AE_FLAGS,
  { flag: '--corruption <kind>', key: 'corruption', help: 'DAE: gaussian, masking or salt_pepper', type: 'enum', choices: CORRUPTIONS },
  { flag: '--noise-level <x>', key: 'noiseLevel', help: 'DAE: σ (gaussian) or the corrupted fraction (masking, salt_pepper)', type: 'number' },
];
