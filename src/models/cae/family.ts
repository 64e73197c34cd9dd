/** The `cae` family: the contractive autoencoder. */
import { defineFamily } from '../family.js';
import { caeConfigSchema, caeFlags } from './config.js';
import { Cae } from './model.js';

export const caeFamily = defineFamily({
  name: 'cae',
  summary: 'contractive autoencoder (λ‖J_f(x)‖_F² penalty; closed form or autodiff Jacobian)',
  schema: caeConfigSchema,
  flags: caeFlags,
  create: (c) => new Cae(c),
});
