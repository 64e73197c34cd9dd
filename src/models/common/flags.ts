/**
 * CLI flags that several families share, declared once (see `FlagSpec` in ../family.ts):
 * every family takes the network flags; the dense AE body (ae, dae, sparse, cae, stacked)
 * adds its code/output activations, tied weights and loss.
 */
import { ACTIVATIONS } from '../../nn/layers.js';
import type { FlagSpec } from '../family.js';

export const LATENT_FLAG: FlagSpec = { flag: '--latent <n>', key: 'latent', help: 'latent (code) dimensions', type: 'int' };
export const HIDDEN_FLAG: FlagSpec = { flag: '--hidden <sizes>', key: 'hidden', help: 'hidden layer sizes, comma-separated (decoder mirrors them); none = a single layer each way', type: 'intList' };
export const ACTIVATION_FLAG: FlagSpec = { flag: '--activation <name>', key: 'activation', help: `hidden activation: ${ACTIVATIONS.join(', ')}`, type: 'enum', choices: ACTIVATIONS };
export const INIT_FLAG: FlagSpec = { flag: '--init <name>', key: 'init', help: 'weight init: torch, he or glorot', type: 'enum', choices: ['torch', 'he', 'glorot'] };

/** The flags of every dense network: --latent, --hidden, --activation, --init. */
export const NETWORK_FLAGS: readonly FlagSpec[] = [LATENT_FLAG, HIDDEN_FLAG, ACTIVATION_FLAG, INIT_FLAG];

/** The flags of the dense AE body (common/dense-ae.ts `denseAeFields`). */
export const DENSE_AE_FLAGS: readonly FlagSpec[] = [
  ...NETWORK_FLAGS,
  { flag: '--code-activation <name>', key: 'codeActivation', help: 'AE code activation', type: 'enum', choices: ACTIVATIONS },
  { flag: '--output-activation <name>', key: 'outputActivation', help: 'AE output activation', type: 'enum', choices: ACTIVATIONS },
  { flag: '--tied', key: 'tied', help: 'AE: decoder uses the transposed encoder weights', type: 'boolean' },
  { flag: '--loss <name>', key: 'loss', help: 'AE reconstruction loss: mse or bce', type: 'enum', choices: ['mse', 'bce'] },
];

/** The penalty weight of the sparse and contractive AEs. */
export const LAMBDA_FLAG: FlagSpec = { flag: '--lambda <x>', key: 'lambda', help: 'sparse/contractive AE: penalty weight λ', type: 'number' };
