/**
 * Configuration of the contractive autoencoder (Rifai, Vincent, Muller, Glorot & Bengio
 * 2011). The dense AE body and its fields are shared with `ae`; the family defaults to
 * Rifai's single sigmoid encoder layer (hidden [], sigmoid code of 128 units), where the
 * Jacobian penalty has a closed form. Extra keys: `--lambda`, `--jacobian`.
 */
import { z } from 'zod';
import { denseAeFields, refineDenseAe } from '../common/dense-ae.js';
import type { FlagSpec } from '../family.js';
import { DENSE_AE_FLAGS, LAMBDA_FLAG } from '../common/flags.js';

export const JACOBIAN_MODES = ['auto', 'exact', 'autodiff'] as const;
export type JacobianMode = (typeof JACOBIAN_MODES)[number];

export const caeConfigSchema = z
  .object({
    family: z.literal('cae').default('cae'),
    ...denseAeFields,
    latent: denseAeFields.latent.unwrap().default(128),
    /** No hidden layer: the encoder is one layer x → code, as in Rifai et al. */
    hidden: denseAeFields.hidden.unwrap().default([]),
    codeActivation: denseAeFields.codeActivation.unwrap().default('sigmoid'),
    /** Weight λ ≥ 0 of the penalty ‖J_f(x)‖_F² (0 = a plain AE that still reports the Jacobian norm). */
    lambda: z
      .number({ error: (iss) => `must be a number (got ${String(iss.input)})` })
      .min(0, { error: (iss) => `must be non-negative (got ${String(iss.input)})` })
      .default(0.1),
    /**
     * How ‖J‖_F² is computed: `exact` = the closed form for a single sigmoid layer; `autodiff`
     * = one vector-Jacobian product per code unit (any encoder); `auto` = exact when it applies.
     */
    jacobian: z.enum(JACOBIAN_MODES, { error: (iss) => `must be one of ${JACOBIAN_MODES.join(', ')} (got ${String(iss.input)})` }).default('auto'),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineDenseAe(c, ctx);
    if (c.jacobian === 'exact' && !exactApplies(c)) {
      ctx.addIssue({
        code: 'custom',
        path: ['jacobian'],
        message: `exact needs a single sigmoid encoder layer (no hidden layers, sigmoid code), got hidden [${c.hidden.join(', ')}] and a ${c.codeActivation} code; use --jacobian autodiff`,
      });
    }
  });

/** Whether the closed-form Jacobian applies: one encoder layer with a sigmoid code. */
export function exactApplies(c: { readonly hidden: readonly number[]; readonly codeActivation: string }): boolean {
  return c.hidden.length === 0 && c.codeActivation === 'sigmoid';
}

export type CaeConfig = Readonly<z.infer<typeof caeConfigSchema>>;

/** The flags of `--model cae`. */
export const caeFlags: readonly FlagSpec[] = [
  ...DENSE_AE_FLAGS,
  LAMBDA_FLAG,
  { flag: '--jacobian <mode>', key: 'jacobian', help: 'CAE: auto, exact (single sigmoid layer) or autodiff', type: 'enum', choices: JACOBIAN_MODES },
];
