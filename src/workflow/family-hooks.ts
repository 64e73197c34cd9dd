/**
 * Steps of a family's training procedure around a run's main training, by family name.
 * Most families have none; the stacked AE pretrains its layers greedily before the main
 * (fine-tuning) training and trains a supervised head after it.
 */
import type { Dataset } from '../data/dataset.js';
import { getFamily } from '../models/registry.js';
import type { StackedConfig } from '../models/stacked/config.js';
import type { TermValues, TrainerOptions } from '../train/trainer.js';
import { pretrainStacked, stackedHeadTerms } from './stacked-procedure.js';

/** What a family's run hooks see of a run (`trainRun`). */
export interface RunContext {
  readonly train: Dataset;
  readonly test: Dataset;
  /** The run's trainer options (batch size, seed, optimizer, learning-rate schedule, threads). */
  readonly trainer: TrainerOptions;
  /** Reports a line of progress to the user. */
  readonly log?: (line: string) => void;
}

export interface AfterTrainingContext extends RunContext {
  /** The trained parameters by name (copies). */
  readonly params: Readonly<Record<string, Float32Array>>;
}

/** Optional steps of a family's training procedure around the run's main training. */
export interface FamilyHooks<C> {
  /**
   * Training before the main Trainer exists, on fresh runs only (a resumed run continues from
   * its checkpoint): returns the parameters to start from, by name (`TrainerOptions.initialParams`).
   */
  pretrain?(config: C, ctx: RunContext): Promise<Readonly<Record<string, Float32Array>>>;
  /** Work after the main training, on fresh and resumed runs: extra test terms for the summary. */
  afterTraining?(config: C, ctx: AfterTrainingContext): Promise<TermValues>;
}


const HOOKS: Readonly<Record<string, FamilyHooks<never>>> = {
  stacked: { pretrain: pretrainStacked, afterTraining: stackedHeadTerms } satisfies FamilyHooks<StackedConfig>,
};

/** The hooks of `family`, applied to its validated config. */
export function familyHooks(family: string): FamilyHooks<unknown> {
  const hooks = HOOKS[family] as FamilyHooks<unknown> | undefined;
  if (!hooks) return {};
  const parse = (raw: unknown): unknown => getFamily(family).schema.parse(raw);
  return {
    ...(hooks.pretrain && { pretrain: (raw: unknown, ctx: RunContext) => hooks.pretrain!(parse(raw), ctx) }),
    ...(hooks.afterTraining && { afterTraining: (raw: unknown, ctx: AfterTrainingContext) => hooks.afterTraining!(parse(raw), ctx) }),
  };
}
