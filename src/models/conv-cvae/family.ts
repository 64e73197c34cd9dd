/** The `conv-cvae` family: the conditional convolutional VAE (always reads labels). */
import { CONV_CVAE_FLAGS } from '../conv-common/flags.js';
import { defineFamily } from '../family.js';
import { convCvaeConfigSchema } from './config.js';
import { ConvCvae } from './model.js';

export const convCvaeFamily = defineFamily({
  name: 'conv-cvae',
  summary: 'conditional convolutional VAE (one-hot label planes in the encoder, label joined to z in the decoder)',
  schema: convCvaeConfigSchema,
  flags: CONV_CVAE_FLAGS,
  create: (c) => new ConvCvae(c),
  needsLabels: () => true,
  hasPrior: true,
  imageInput: true,
});
