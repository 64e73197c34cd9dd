/**
 * The `stacked` family: the deep AE that the run fine-tunes, with its procedure around that
 * training (greedy pretraining before, the supervised head after; ./procedure.ts). It reads
 * labels only for the head (`labels` > 0).
 */
import { defineFamily } from '../family.js';
import { stackedConfigSchema, stackedFlags } from './config.js';
import { StackedAe } from './model.js';
import { stackedProcedure } from './procedure.js';

export const stackedFamily = defineFamily({
  name: 'stacked',
  summary: 'stacked autoencoder (greedy layer-wise pretraining, optionally denoising; end-to-end fine-tuning; --labels: supervised head vs. from scratch)',
  schema: stackedConfigSchema,
  flags: stackedFlags,
  create: (c) => new StackedAe(c),
  needsLabels: (raw) => typeof raw['labels'] === 'number' && raw['labels'] > 0,
  procedure: stackedProcedure,
});
