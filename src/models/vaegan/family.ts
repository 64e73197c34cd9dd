/** The `vaegan` family: the VAE-GAN of Larsen et al. (2016). */
import { VAEGAN_FLAGS } from '../conv-common/flags.js';
import { defineFamily } from '../family.js';
import { vaeganConfigSchema } from './config.js';
import { Vaegan } from './model.js';

export const vaeganFamily = defineFamily({
  name: 'vaegan',
  summary: 'VAE-GAN (conv VAE + conv discriminator; reconstruction in the discriminator’s feature space; encoder, decoder and discriminator phases)',
  schema: vaeganConfigSchema,
  flags: VAEGAN_FLAGS,
  create: (c) => new Vaegan(c),
  hasPrior: true,
  imageInput: true,
});
