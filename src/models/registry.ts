/**
 * The model families latentkit can build, by name. Each entry validates a raw config
 * (from the CLI or a saved config.json) with its schema and builds the model.
 */
import { z } from 'zod';
import type { AutoencoderModel } from './types.js';
import { aeConfigSchema } from './ae/config.js';
import { Ae } from './ae/model.js';
import { caeConfigSchema } from './cae/config.js';
import { Cae } from './cae/model.js';
import { daeConfigSchema } from './dae/config.js';
import { Dae } from './dae/model.js';
import { sparseConfigSchema } from './sparse/config.js';
import { SparseAe } from './sparse/model.js';
import { vaeConfigSchema } from './vae/config.js';
import { Vae } from './vae/model.js';
import { cvaeConfigSchema, upgradeSavedCvaeConfig } from './cvae/config.js';
import { Cvae } from './cvae/model.js';
import { aaeConfigSchema } from './aae/config.js';
import { Aae } from './aae/model.js';
import { stackedConfigSchema } from './stacked/config.js';
import { StackedAe } from './stacked/model.js';

export interface ModelFamily {
  readonly name: string;
  readonly summary: string;
  readonly schema: z.ZodType<{ family: string }>;
  create(config: unknown): AutoencoderModel;
  /** Whether a raw config of this family reads labels (then `numClasses` is set from the data). */
  needsLabels(raw: Readonly<Record<string, unknown>>): boolean;
  /**
   * Whether the family trains its codes towards a prior p(z) it can sample from (VAEs through
   * the KL term, adversarial AEs through the discriminator). Plain, denoising, sparse,
   * contractive and stacked AEs have none: N(0, I) draws mean nothing to their decoders.
   */
  readonly hasPrior: boolean;
  /** Fills fields that a config saved by an earlier version lacks with the values it trained with. */
  upgradeSaved(raw: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

function family<S extends z.ZodType<{ family: string }>>(
  name: string,
  summary: string,
  schema: S,
  make: (c: z.infer<S>) => AutoencoderModel,
  needsLabels: (raw: Readonly<Record<string, unknown>>) => boolean = () => false,
  hasPrior = false,
  upgradeSaved: (raw: Readonly<Record<string, unknown>>) => Record<string, unknown> = (raw) => ({ ...raw }),
): ModelFamily {
  return { name, summary, schema, create: (raw) => make(schema.parse(raw)), needsLabels, hasPrior, upgradeSaved };
}

export const MODEL_FAMILIES: ReadonlyMap<string, ModelFamily> = new Map(
  [
    family('ae', 'vanilla autoencoder (MLP of any depth, tied weights optional, MSE or BCE)', aeConfigSchema, (c) => new Ae(c)),
    family('dae', 'denoising autoencoder (gaussian, masking or salt-and-pepper corruption of the input)', daeConfigSchema, (c) => new Dae(c)),
    family('sparse', 'sparse autoencoder (L1 or KL(ρ‖ρ̂) penalty on the code activations)', sparseConfigSchema, (c) => new SparseAe(c)),
    family('cae', 'contractive autoencoder (λ‖J_f(x)‖_F² penalty; closed form or autodiff Jacobian)', caeConfigSchema, (c) => new Cae(c)),
    family('vae', 'variational autoencoder (Gaussian encoder, Bernoulli/Gaussian decoder, β)', vaeConfigSchema, (c) => new Vae(c), undefined, true),
    family('cvae', 'conditional VAE (one-hot label joined to the encoder and decoder inputs)', cvaeConfigSchema, (c) => new Cvae(c), () => true, true, upgradeSavedCvaeConfig),
    family('aae', 'adversarial autoencoder (normal, mixture or uniform prior; --conditional: class-owned mixture components)', aaeConfigSchema, (c) => new Aae(c), (raw) => raw['conditional'] === true, true),
    family('stacked', 'stacked autoencoder (greedy layer-wise pretraining, optionally denoising; end-to-end fine-tuning; --labels: supervised head vs. from scratch)', stackedConfigSchema, (c) => new StackedAe(c), (raw) => typeof raw['labels'] === 'number' && raw['labels'] > 0),
  ].map((f) => [f.name, f]),
);

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

export function getFamily(name: string): ModelFamily {
  const f = MODEL_FAMILIES.get(name);
  if (!f) throw new UnknownModelError(`unknown model "${name}" (choose from: ${[...MODEL_FAMILIES.keys()].join(', ')})`);
  return f;
}
