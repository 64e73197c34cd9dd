/**
 * Configuration of the variational autoencoder (Kingma & Welling 2014).
 * Defaults reproduce PyTorch's examples/vae: 784-400-(20,20)-400-784, ReLU, Bernoulli decoder.
 */
import { z } from 'zod';
import { ACTIVATIONS } from '../../nn/layers.js';
import type { FlagSpec } from '../family.js';
import { NETWORK_FLAGS } from '../common/flags.js';

export const vaeConfigSchema = z
  .object({
    family: z.literal('vae').default('vae'),
    /** Shape of one input sample. */
    inputShape: z.array(z.number().int().positive()).min(1).default([784]),
    /** Latent dimensions. */
    latent: z.number().int().positive().default(20),
    /** Hidden layer sizes of the encoder; the decoder mirrors them. */
    hidden: z.array(z.number().int().positive()).default([400]),
    activation: z.enum(ACTIVATIONS as [string, ...string[]]).default('relu'),
    /** p(x|z): Bernoulli (BCE with logits) or Gaussian (MSE-like, fixed or learned variance). */
    likelihood: z.enum(['bernoulli', 'gaussian']).default('bernoulli'),
    /** For the Gaussian decoder: learn one log-variance per pixel instead of fixing σ² = 1. */
    learnVariance: z.boolean().default(false),
    /** β of β-VAE: weight of the KL term (Higgins et al. 2017). */
    beta: z.number().nonnegative({ error: (i) => `must be non-negative (got ${String(i.input)})` }).default(1),
    /**
     * KL warm-up: epochs over which the KL weight ramps linearly from 0 to β
     * (Bowman et al. 2016; Sønderby et al. 2016). 0 = no warm-up.
     */
    klWarmup: z.number().nonnegative({ error: (i) => `must be non-negative (got ${String(i.input)})` }).default(0),
    /** Weight initialiser: 'torch' = PyTorch's nn.Linear default. */
    init: z.enum(['torch', 'he', 'glorot']).default('torch'),
    /**
     * Apply the hidden activation to the input itself when there is no hidden layer. Only runs
     * saved by earlier versions, which did so by mistake, set it (see `upgradeSavedVaeConfig`).
     */
    activateInput: z.boolean().default(false),
  })
  .strict();

export type VaeConfig = Readonly<z.infer<typeof vaeConfigSchema>>;

/**
 * A vae (or cvae) config saved before `activateInput` existed, with no hidden layer, trained
 * with the hidden activation applied to its input: it keeps that encoder, so it decodes as it
 * trained. Later configs record the field (false) and are left as they are.
 */
export function upgradeSavedVaeConfig(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if ('activateInput' in raw) return { ...raw };
  return { ...raw, activateInput: Array.isArray(raw['hidden']) && raw['hidden'].length === 0 };
}

/** The flags of `--model vae`. */
export const vaeFlags: readonly FlagSpec[] = [
  ...NETWORK_FLAGS,
  { flag: '--beta <x>', key: 'beta', help: 'VAE: weight of the KL term (β-VAE)', type: 'number' },
  { flag: '--kl-warmup <epochs>', key: 'klWarmup', help: 'VAE: epochs over which the KL weight ramps linearly from 0 to β', type: 'number' },
  { flag: '--likelihood <name>', key: 'likelihood', help: 'VAE decoder: bernoulli or gaussian', type: 'enum', choices: ['bernoulli', 'gaussian'] },
  { flag: '--learn-variance', key: 'learnVariance', help: 'VAE gaussian decoder: learn per-pixel variance', type: 'boolean' },
];
