/** The `conv-vae` family: the convolutional VAE. */
import { CONV_VAE_FLAGS } from '../conv-common/flags.js';
import { defineFamily } from '../family.js';
import { convVaeConfigSchema } from './config.js';
import { ConvVae } from './model.js';

export const convVaeFamily = defineFamily({
  name: 'conv-vae',
  summary: 'convolutional VAE (Keras VAE example conv layers by default: conv 32,64 stride 2, mirrored decoder)',
  schema: convVaeConfigSchema,
  flags: CONV_VAE_FLAGS,
  create: (c) => new ConvVae(c),
  hasPrior: true,
  imageInput: true,
});
