/** The `dae` family: the denoising autoencoder. */
import { defineFamily } from '../family.js';
import { daeConfigSchema, daeFlags } from './config.js';
import { Dae } from './model.js';

export const daeFamily = defineFamily({
  name: 'dae',
  summary: 'denoising autoencoder (gaussian, masking or salt-and-pepper corruption of the input)',
  schema: daeConfigSchema,
  flags: daeFlags,
  create: (c) => new Dae(c),
});
