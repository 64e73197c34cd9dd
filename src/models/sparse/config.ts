/**
 * Configuration of the sparse autoencoder (Ng, CS294A lecture notes "Sparse autoencoder";
 * Goodfellow, Bengio & Courville, Deep Learning, sec. 14.2.1). The dense AE body and its
 * fields are shared with `ae`; the family defaults to a sigmoid code of 128 units, and the
 * extra keys choose the penalty on the code activations (`--penalty`, `--lambda`, `--rho`).
 */
import { z } from 'zod';
import { denseAeFields, refineDenseAe } from '../common/dense-ae.js';
import type { FlagSpec } from '../family.js';
import { DENSE_AE_FLAGS, LAMBDA_FLAG } from '../common/flags.js';

export const SPARSITY_PENALTIES = ['l1', 'kl'] as const;
export type SparsityPenalty = (typeof SPARSITY_PENALTIES)[number];

/**
 * Default λ per penalty, for the default 784-256-128 sigmoid body with BCE (~100 nats per
 * digit). Measured on the bundled digits (10 epochs, batch 128): kl λ = 1 brings the mean
 * code activation from 0.73 (λ = 0) to ~0.1 with ~24% of activations above 0.1, at a test
 * BCE within ~7% of the best λ tried; l1 λ = 0.1 gives a mean activation of ~0.35. The two
 * penalties differ in scale (Σ_j |a_j| is ~50-90 here, Σ_j KL a few nats), hence two defaults.
 */
export const DEFAULT_LAMBDA: Readonly<Record<SparsityPenalty, number>> = { kl: 1, l1: 0.1 };

const inUnitInterval = (iss: { input?: unknown }): string => `must be in (0, 1) (got ${String(iss.input)})`;

export const sparseConfigSchema = z
  .object({
    family: z.literal('sparse').default('sparse'),
    ...denseAeFields,
    /** Code size: wider than the ae default, since only a few units are meant to be active at once. */
    latent: denseAeFields.latent.unwrap().default(128),
    /** A sigmoid code: activations in (0, 1), as the kl penalty's Bernoulli view of each unit needs. */
    codeActivation: denseAeFields.codeActivation.unwrap().default('sigmoid'),
    /** `l1`: λ·Σ_j |a_j| per sample; `kl`: λ·Σ_j KL(ρ ‖ ρ̂_j) with ρ̂_j the batch-mean activation of unit j. */
    penalty: z.enum(SPARSITY_PENALTIES, { error: (iss) => `must be one of ${SPARSITY_PENALTIES.join(', ')} (got ${String(iss.input)})` }).default('kl'),
    /**
     * Penalty weight λ ≥ 0 (0 = a plain AE with the same code). Default by penalty (see
     * DEFAULT_LAMBDA), filled in when the config is validated.
     */
    lambda: z
      .number({ error: (iss) => `must be a number (got ${String(iss.input)})` })
      .min(0, { error: (iss) => `must be non-negative (got ${String(iss.input)})` })
      .optional(),
    /** Target mean activation ρ of each code unit (kl penalty). */
    rho: z
      .number({ error: (iss) => `must be a number (got ${String(iss.input)})` })
      .gt(0, { error: inUnitInterval })
      .lt(1, { error: inUnitInterval })
      .default(0.05),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineDenseAe(c, ctx);
    if (c.penalty === 'kl' && c.codeActivation !== 'sigmoid') {
      ctx.addIssue({
        code: 'custom',
        path: ['codeActivation'],
        message: `the kl sparsity penalty needs a sigmoid code (activations in (0, 1)), got ${c.codeActivation}; use --code-activation sigmoid or --penalty l1`,
      });
    }
  })
  .transform((c) => ({ ...c, lambda: c.lambda ?? DEFAULT_LAMBDA[c.penalty] }));

export type SparseConfig = Readonly<z.infer<typeof sparseConfigSchema>>;

/** The flags of `--model sparse`. */
export const sparseFlags: readonly FlagSpec[] = [
  ...DENSE_AE_FLAGS,
  { flag: '--penalty <kind>', key: 'penalty', help: 'sparse AE: l1 or kl', type: 'enum', choices: SPARSITY_PENALTIES },
  LAMBDA_FLAG,
  { flag: '--rho <x>', key: 'rho', help: 'sparse AE (kl): target mean activation ρ in (0,1)', type: 'number' },
];
