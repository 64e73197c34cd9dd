/**
 * What a family's procedure hooks receive from a run (see family-hooks.ts): the run's data and
 * trainer options before training, and the trained parameters after it. A module of its own so
 * that the procedures (e.g. stacked-procedure.ts) and the hook table both depend on it, not on
 * each other.
 */
import type { Dataset } from '../data/dataset.js';
import type { TermValues, TrainerOptions } from '../train/trainer.js';

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
