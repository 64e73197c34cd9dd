/** The `vae` family: the variational autoencoder. */
import { defineFamily } from '../family.js';
import { upgradeSavedVaeConfig, vaeConfigSchema, vaeFlags } from './config.js';
import { Vae } from './model.js';

export const vaeFamily = defineFamily({
  name: 'vae',
  summary: 'variational autoencoder (Gaussian encoder, Bernoulli/Gaussian decoder, β)',
  schema: vaeConfigSchema,
  flags: vaeFlags,
  create: (c) => new Vae(c),
  hasPrior: true,
  upgradeSaved: upgradeSavedVaeConfig,
});
