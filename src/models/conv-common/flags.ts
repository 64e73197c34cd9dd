/**
 * CLI flags of the conv families (see `FlagSpec` in ../family.ts): the conv layers, and the
 * flags they share with the dense families, taken from those families' own declarations so
 * each flag is declared alike wherever it appears.
 */
import { ACTIVATION_FLAG, DENSE_AE_FLAGS, INIT_FLAG, LAMBDA_FLAG, LATENT_FLAG } from '../common/flags.js';
import { cvaeFlags } from '../cvae/config.js';
import { daeFlags } from '../dae/config.js';
import type { FlagSpec } from '../family.js';
import { sparseFlags } from '../sparse/config.js';
import { vaeFlags } from '../vae/config.js';
import { UPSAMPLINGS } from './fields.js';

/** The flags of `family`'s declaration that set one of `keys`. */
function pick(flags: readonly FlagSpec[], ...keys: string[]): FlagSpec[] {
  const found = keys.map((k) => flags.find((f) => f.key === k));
  if (found.some((f) => !f)) throw new Error(`conv flags: no flag for ${keys.filter((_, i) => !found[i]).join(', ')}`);
  return found as FlagSpec[];
}

/** The conv layers of every conv family, with --latent, --activation and --init. */
export const CONV_FLAGS: readonly FlagSpec[] = [
  LATENT_FLAG,
  { flag: '--conv <channels>', key: 'conv', help: 'conv layers: output channels of each encoder conv, comma-separated (decoder mirrors them); default 32,64', type: 'intList' },
  { flag: '--kernel <k>', key: 'kernel', help: 'conv layers: square kernel size (default 3)', type: 'int' },
  { flag: '--stride <s>', key: 'stride', help: 'conv layers: stride of each encoder conv (default 2)', type: 'int' },
  { flag: '--dense <sizes>', key: 'dense', help: 'conv families: dense layer sizes between the conv features and the code (decoder mirrors them); none = no dense layer (the default); 16 with --latent 2 is the Keras VAE example encoder', type: 'intList' },
  { flag: '--upsample <mode>', key: 'upsample', help: `conv decoder upsampling: ${UPSAMPLINGS.join(', ')} (resize + conv); default transpose`, type: 'enum', choices: UPSAMPLINGS },
  ACTIVATION_FLAG,
  INIT_FLAG,
  { flag: '--batch-norm', key: 'batchNorm', help: 'conv layers: batch normalisation after each conv (running statistics used by eval, export and sampling)', type: 'boolean' },
];

/** conv-ae: the conv layers, the AE output, denoising corruption, sparsity and contractive penalties. */
export const CONV_AE_FLAGS: readonly FlagSpec[] = [
  ...CONV_FLAGS,
  ...pick(DENSE_AE_FLAGS, 'codeActivation', 'outputActivation', 'loss'),
  ...pick(daeFlags, 'corruption', 'noiseLevel'),
  ...pick(sparseFlags, 'penalty', 'rho'),
  LAMBDA_FLAG,
  { flag: '--contractive <x>', key: 'contractive', help: 'conv-ae: weight λ_c of the contractive penalty ‖∂code/∂x‖_F² (0 = none)', type: 'nonNegativeNumber' },
];

/** conv-vae: the conv layers and the VAE's likelihood options. */
export const CONV_VAE_FLAGS: readonly FlagSpec[] = [...CONV_FLAGS, ...pick(vaeFlags, 'beta', 'klWarmup', 'likelihood', 'learnVariance')];

/** conv-cvae: conv-vae's and the label scale. */
export const CONV_CVAE_FLAGS: readonly FlagSpec[] = [...CONV_VAE_FLAGS, ...pick(cvaeFlags, 'labelScale')];

/** vaegan: conv-vae's, the discriminator's layers and the phase weights. */
export const VAEGAN_FLAGS: readonly FlagSpec[] = [
  ...CONV_VAE_FLAGS,
  { flag: '--disc-conv <channels>', key: 'discConv', help: 'vaegan: output channels of the discriminator convs (default: --conv)', type: 'intList' },
  { flag: '--gamma <x>', key: 'gamma', help: 'vaegan: weight γ of the feature-space reconstruction against the GAN loss in the decoder objective (default 1)', type: 'positiveNumber' },
  { flag: '--pixel-weight <x>', key: 'pixelWeight', help: 'vaegan: weight of the pixel-space −log p(x|z) added to the encoder and decoder objectives (default 0, as Larsen et al.)', type: 'nonNegativeNumber' },
  { flag: '--disc-lr-scale <x>', key: 'discLrScale', help: 'vaegan: learning-rate multiplier of the discriminator phase (default 1)', type: 'positiveNumber' },
];
