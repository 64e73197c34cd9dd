/**
 * Model flags of `latentkit train`: each maps to one key of a family's config. Flags the
 * user gives are copied into the raw config; the family's schema then validates them, and
 * a key the family does not know is reported as `--flag does not apply to --model <name>`.
 */
import { type Command, Option } from 'commander';
import { ACTIVATIONS } from '../nn/layers.js';
import { decimal, nonNegativeNumber, oneOf, positiveInt, positiveIntList, positiveNumber } from './flags.js';

interface ModelFlag {
  readonly flags: string;
  readonly key: string;
  readonly help: string;
  readonly parse?: (v: string) => unknown;
}


export const MODEL_FLAGS: readonly ModelFlag[] = [
  { flags: '--latent <n>', key: 'latent', help: 'latent (code) dimensions', parse: positiveInt },
  { flags: '--hidden <sizes>', key: 'hidden', help: 'hidden layer sizes, comma-separated (decoder mirrors them); none = a single layer each way', parse: positiveIntList },
  { flags: '--activation <name>', key: 'activation', help: `hidden activation: ${ACTIVATIONS.join(', ')}`, parse: oneOf(ACTIVATIONS) },
  { flags: '--code-activation <name>', key: 'codeActivation', help: 'AE code activation', parse: oneOf(ACTIVATIONS) },
  { flags: '--output-activation <name>', key: 'outputActivation', help: 'AE output activation', parse: oneOf(ACTIVATIONS) },
  { flags: '--tied', key: 'tied', help: 'AE: decoder uses the transposed encoder weights' },
  { flags: '--loss <name>', key: 'loss', help: 'AE reconstruction loss: mse or bce', parse: oneOf(['mse', 'bce'] as const) },
  { flags: '--init <name>', key: 'init', help: 'weight init: torch, he or glorot', parse: oneOf(['torch', 'he', 'glorot'] as const) },
  { flags: '--beta <x>', key: 'beta', help: 'VAE: weight of the KL term (β-VAE)', parse: decimal },
  { flags: '--kl-warmup <epochs>', key: 'klWarmup', help: 'VAE: epochs over which the KL weight ramps linearly from 0 to β', parse: decimal },
  { flags: '--likelihood <name>', key: 'likelihood', help: 'VAE decoder: bernoulli or gaussian', parse: oneOf(['bernoulli', 'gaussian'] as const) },
  { flags: '--learn-variance', key: 'learnVariance', help: 'VAE gaussian decoder: learn per-pixel variance' },
  { flags: '--corruption <kind>', key: 'corruption', help: 'DAE: gaussian, masking or salt_pepper', parse: oneOf(['gaussian', 'masking', 'salt_pepper'] as const) },
  { flags: '--noise-level <x>', key: 'noiseLevel', help: 'DAE: σ (gaussian) or the corrupted fraction (masking, salt_pepper)', parse: decimal },
  { flags: '--penalty <kind>', key: 'penalty', help: 'sparse AE: l1 or kl', parse: oneOf(['l1', 'kl'] as const) },
  { flags: '--lambda <x>', key: 'lambda', help: 'sparse/contractive AE: penalty weight λ', parse: decimal },
  { flags: '--rho <x>', key: 'rho', help: 'sparse AE (kl): target mean activation ρ in (0,1)', parse: decimal },
  { flags: '--jacobian <mode>', key: 'jacobian', help: 'CAE: auto, exact (single sigmoid layer) or autodiff', parse: oneOf(['auto', 'exact', 'autodiff'] as const) },
  { flags: '--label-scale <s>', key: 'labelScale', help: 'CVAE: scale of the one-hot label where it joins the encoder and decoder inputs (default 10)', parse: positiveNumber },
  { flags: '--prior <name>', key: 'prior', help: 'AAE prior: normal, mog or uniform', parse: oneOf(['normal', 'mog', 'uniform'] as const) },
  { flags: '--conditional', key: 'conditional', help: 'AAE: give labels to the discriminator' },
  { flags: '--pretrain-epochs <n>', key: 'pretrainEpochs', help: 'stacked AE: epochs of greedy pretraining per layer', parse: decimal },
  { flags: '--head-epochs <n>', key: 'headEpochs', help: 'stacked AE: epochs of the supervised head', parse: decimal },
  { flags: '--labels <n>', key: 'labels', help: 'stacked AE: labelled samples for the supervised head', parse: decimal },
  { flags: '--denoise <x>', key: 'denoise', help: 'stacked AE: masking fraction for denoising pretraining (0 = plain)', parse: nonNegativeNumber },
];

export function addModelFlags(cmd: Command): Command {
  for (const f of MODEL_FLAGS) {
    const o = new Option(f.flags, f.help);
    if (f.parse) o.argParser(f.parse as (v: string) => unknown);
    cmd.addOption(o);
  }
  return cmd;
}

/** The commander attribute name of a flag, e.g. `--code-activation <name>` → `codeActivation`. */
function attributeOf(flags: string): string {
  return flags
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The raw model config from parsed options: only flags the user actually gave. */
export function modelConfigFromFlags(family: string, opts: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = { family };
  for (const f of MODEL_FLAGS) {
    const v = opts[attributeOf(f.flags)];
    if (v !== undefined) raw[f.key] = v;
  }
  return raw;
}

/** The flag that sets config key `key`, for error messages. */
export function flagForKey(key: string): string {
  const f = MODEL_FLAGS.find((m) => m.key === key);
  return f ? f.flags.split(' ')[0]! : key;
}
