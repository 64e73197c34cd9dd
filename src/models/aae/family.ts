/** The `aae` family: the adversarial autoencoder (reads labels when conditional). */
import { defineFamily } from '../family.js';
import { aaeConfigSchema, aaeFlags } from './config.js';
import { Aae } from './model.js';

export const aaeFamily = defineFamily({
  name: 'aae',
  summary: 'adversarial autoencoder (normal, mixture or uniform prior; --conditional: class-owned mixture components)',
  schema: aaeConfigSchema,
  flags: aaeFlags,
  create: (c) => new Aae(c),
  needsLabels: (raw) => raw['conditional'] === true,
  hasPrior: true,
});
