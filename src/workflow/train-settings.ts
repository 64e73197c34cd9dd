/**
 * A run's training settings (the `train` part of config.json): their schema, the defaults of
 * `latentkit train`, and the Trainer options they make. Portable (no Node module), so the
 * browser's Train tab records and trains its runs exactly as the CLI does.
 */
import { z } from 'zod';
import { constantLr, cosineLr, type TrainerOptions } from '../train/trainer.js';

export const trainSettingsSchema = z
  .object({
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    lr: z.number().positive({ error: (i) => `must be positive (got ${String(i.input)})` }),
    optimizer: z.enum(['adam', 'adamw', 'sgd']),
    weightDecay: z.number().nonnegative().default(0),
    momentum: z.number().min(0).max(1).default(0.9),
    lrSchedule: z.enum(['constant', 'cosine']),
    seed: z.number().int().nonnegative(),
  })
  .strict();
export type TrainSettings = z.infer<typeof trainSettingsSchema>;

export const DEFAULT_TRAIN: TrainSettings = {
  epochs: 10,
  batchSize: 128,
  lr: 1e-3,
  optimizer: 'adam',
  weightDecay: 0,
  momentum: 0.9,
  lrSchedule: 'constant',
  seed: 0,
};

/**
 * The Trainer options `settings` make: batch size, seed, learning-rate schedule and optimizer
 * (SGD's momentum only for SGD), and per-batch Bernoulli draws of the inputs when `dynamicBinarize`.
 */
export function trainerSettingsFor(settings: TrainSettings, dynamicBinarize: boolean): Pick<TrainerOptions, 'batchSize' | 'seed' | 'lrSchedule' | 'optimizer' | 'dynamicBinarize'> {
  return {
    batchSize: settings.batchSize,
    seed: settings.seed,
    lrSchedule: settings.lrSchedule === 'cosine' ? cosineLr : constantLr,
    optimizer: { kind: settings.optimizer, lr: settings.lr, weightDecay: settings.weightDecay, momentum: settings.optimizer === 'sgd' ? settings.momentum : undefined },
    dynamicBinarize,
  };
}
