/** The `sparse` family: the sparse autoencoder. */
import { defineFamily } from '../family.js';
import { sparseConfigSchema, sparseFlags } from './config.js';
import { SparseAe } from './model.js';

export const sparseFamily = defineFamily({
  name: 'sparse',
  summary: 'sparse autoencoder (L1 or KL(ρ‖ρ̂) penalty on the code activations)',
  schema: sparseConfigSchema,
  flags: sparseFlags,
  create: (c) => new SparseAe(c),
});
