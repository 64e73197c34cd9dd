/**
 * Configuration of the stacked autoencoder (Bengio et al. 2007; Vincent et al. 2010): the
 * dense AE body and its fields (shared with `ae`), plus the training procedure around it:
 * greedy layer-wise pretraining (`--pretrain-epochs`, `--denoise`) and the optional
 * supervised head on a few labels (`--labels`, `--head-epochs`).
 */
import { z } from 'zod';
import { denseAeFields, refineDenseAe } from '../common/dense-ae.js';
import type { FlagSpec } from '../family.js';
import { DENSE_AE_FLAGS } from '../common/flags.js';

/** A non-negative integer with one-line messages, e.g. `must be a non-negative integer (got 1.5)`. */
function count() {
  const message = (iss: { input?: unknown }): string => `must be a non-negative integer (got ${String(iss.input)})`;
  return z.number({ error: message }).int({ error: message }).min(0, { error: message });
}

export const stackedConfigSchema = z
  .object({
    family: z.literal('stacked').default('stacked'),
    ...denseAeFields,
    /**
     * Activation of hidden layers; sigmoid by default, as in Bengio et al. 2007 and Vincent et al.
     * 2010 (with ReLU units, networks trained from scratch on few labels catch up, and the head's
     * gain from pretraining mostly vanishes; see stacked.test.ts).
     */
    activation: denseAeFields.activation.unwrap().default('sigmoid'),
    /** Epochs of greedy pretraining of each layer's one-hidden-layer AE; 0 = no pretraining (a plain deep AE). */
    pretrainEpochs: count().default(5),
    /** Masking fraction of the denoising pretraining (each input of a layer's AE zeroed with this probability); 0 = plain AEs. */
    denoise: z
      .number({ error: (iss) => `must be a number in [0, 1) (got ${String(iss.input)})` })
      .min(0, { error: (iss) => `must be in [0, 1) (got ${String(iss.input)})` })
      .lt(1, { error: (iss) => `must be in [0, 1) (got ${String(iss.input)})` })
      .default(0),
    /** Labelled training samples of the supervised head (class-balanced, seeded); 0 = no head. */
    labels: count().default(0),
    /** Epochs of the supervised head (and of the from-scratch baseline) over the labelled samples. */
    headEpochs: count().default(50),
    /** Label classes of the head (set from the data by the workflow when `labels` > 0). */
    numClasses: z.number().int().nonnegative().default(0),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineDenseAe(c, ctx);
    if (c.labels > 0 && c.numClasses < 2) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: `the supervised head needs data with at least 2 label classes (numClasses is ${c.numClasses})` });
    }
    if (c.labels > 0 && c.headEpochs === 0) {
      ctx.addIssue({ code: 'custom', path: ['headEpochs'], message: `must be at least 1 when --labels is given (got 0)` });
    }
  });

export type StackedConfig = Readonly<z.infer<typeof stackedConfigSchema>>;

/** The flags of `--model stacked`. */
export const stackedFlags: readonly FlagSpec[] = [
  ...DENSE_AE_FLAGS,
  { flag: '--pretrain-epochs <n>', key: 'pretrainEpochs', help: 'stacked AE: epochs of greedy pretraining per layer', type: 'number' },
  { flag: '--head-epochs <n>', key: 'headEpochs', help: 'stacked AE: epochs of the supervised head', type: 'number' },
  { flag: '--labels <n>', key: 'labels', help: 'stacked AE: labelled samples for the supervised head', type: 'number' },
  { flag: '--denoise <x>', key: 'denoise', help: 'stacked AE: masking fraction for denoising pretraining (0 = plain)', type: 'nonNegativeNumber' },
];
