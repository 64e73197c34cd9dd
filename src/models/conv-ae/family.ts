/** The `conv-ae` family: the convolutional autoencoder (denoising, sparse and contractive options). */
import { CONV_AE_FLAGS } from '../conv-common/flags.js';
import { defineFamily } from '../family.js';
import { convAeConfigSchema } from './config.js';
import { ConvAe } from './model.js';

export const convAeFamily = defineFamily({
  name: 'conv-ae',
  summary: 'convolutional autoencoder (conv encoder, mirrored transposed-conv or resize decoder; denoising, sparse and contractive options)',
  schema: convAeConfigSchema,
  flags: CONV_AE_FLAGS,
  create: (c) => new ConvAe(c),
  imageInput: true,
});
