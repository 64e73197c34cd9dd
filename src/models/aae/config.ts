/**
 * Configuration of the adversarial autoencoder (Makhzani et al. 2016, "Adversarial
 * Autoencoders"). The autoencoder body is the shared dense AE (deterministic encoder with a
 * linear code, sigmoid decoder, BCE); the discriminator is a small ReLU MLP on the code.
 */
import { z } from 'zod';
import { denseAeFields, refineDenseAe } from '../common/dense-ae.js';
import type { FlagSpec } from '../family.js';
import { DENSE_AE_FLAGS } from '../common/flags.js';

export const AAE_PRIORS = ['normal', 'mog', 'uniform'] as const;
export type AaePrior = (typeof AAE_PRIORS)[number];

export const aaeConfigSchema = z
  .object({
    family: z.literal('aae').default('aae'),
    ...denseAeFields,
    /** Code size (2 gives the paper's 2-D code maps). */
    latent: z.number().int().positive().default(8),
    /**
     * p(z): `normal` N(0, I); `mog` a mixture of Gaussians on a circle in the first two code
     * dims (see prior.ts); `uniform` U[−√3, √3]^d (zero mean, unit variance).
     */
    prior: z.enum(AAE_PRIORS).default('normal'),
    /**
     * Sec. 2.3: the discriminator also sees the one-hot label, and each class's prior samples
     * come from its own mixture component (needs `prior: mog` and labelled data).
     */
    conditional: z.boolean().default(false),
    /** Label classes read as one-hot y (set from the data when conditional; 0 otherwise). */
    numClasses: z.number().int().nonnegative().default(0),
    /** Hidden sizes of the discriminator D(z) → logit (ReLU); small next to the paper's 1000-1000. */
    discHidden: z.array(z.number().int().positive()).default([128, 128]),
    /**
     * Learning-rate multipliers of the discriminator and generator (encoder-fools-D) phases,
     * relative to --lr. The paper uses one rate for both regularisation phases; on the bundled
     * digits (Adam, lr 1e-3) 1 matched the prior better after 5 epochs than 0.5, which let D win.
     */
    discLrScale: z.number().positive().default(1),
    genLrScale: z.number().positive().default(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineDenseAe(c, ctx);
    if (c.conditional) {
      if (c.prior !== 'mog') {
        ctx.addIssue({ code: 'custom', path: ['conditional'], message: `a conditional AAE draws each class from its own mixture component: use --prior mog (got ${c.prior})` });
      }
      if (c.numClasses < 2) {
        ctx.addIssue({ code: 'custom', path: ['numClasses'], message: `a conditional AAE needs at least 2 label classes (got ${c.numClasses})` });
      }
    } else if (c.numClasses !== 0) {
      ctx.addIssue({ code: 'custom', path: ['numClasses'], message: `an unconditional AAE reads no labels: numClasses must be 0 (got ${c.numClasses}); use --conditional` });
    }
    if (c.prior === 'mog' && c.latent < 2) {
      ctx.addIssue({ code: 'custom', path: ['latent'], message: `the mog prior places its components in the first two code dims: --latent must be at least 2 (got ${c.latent})` });
    }
  });

export type AaeConfig = Readonly<z.infer<typeof aaeConfigSchema>>;

/** The flags of `--model aae`. */
export const aaeFlags: readonly FlagSpec[] = [
  ...DENSE_AE_FLAGS,
  { flag: '--prior <name>', key: 'prior', help: 'AAE prior: normal, mog or uniform', type: 'enum', choices: AAE_PRIORS },
  { flag: '--conditional', key: 'conditional', help: 'AAE: give labels to the discriminator', type: 'boolean' },
];
