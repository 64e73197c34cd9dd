/** The `cvae` family: the conditional VAE (always reads labels). */
import { defineFamily } from '../family.js';
import { cvaeConfigSchema, cvaeFlags, upgradeSavedCvaeConfig } from './config.js';
import { upgradeSavedVaeConfig } from '../vae/config.js';
import { Cvae } from './model.js';

export const cvaeFamily = defineFamily({
  name: 'cvae',
  summary: 'conditional VAE (one-hot label joined to the encoder and decoder inputs)',
  schema: cvaeConfigSchema,
  flags: cvaeFlags,
  create: (c) => new Cvae(c),
  needsLabels: () => true,
  hasPrior: true,
  upgradeSaved: (raw) => upgradeSavedVaeConfig(upgradeSavedCvaeConfig(raw)),
});
