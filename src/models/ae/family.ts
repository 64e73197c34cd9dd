/** The `ae` family: the vanilla autoencoder. */
import { defineFamily } from '../family.js';
import { aeConfigSchema, aeFlags } from './config.js';
import { Ae } from './model.js';

export const aeFamily = defineFamily({
  name: 'ae',
  summary: 'vanilla autoencoder (MLP of any depth, tied weights optional, MSE or BCE)',
  schema: aeConfigSchema,
  flags: aeFlags,
  create: (c) => new Ae(c),
});
