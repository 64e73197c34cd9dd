/**
 * Steps of a family's training procedure around a run's main training, by family name.
 * Most families have none; the stacked AE pretrains its layers greedily before the main
 * (fine-tuning) training and trains a supervised head after it.
 */
import { getFamily } from '../models/registry.js';
import type { StackedConfig } from '../models/stacked/config.js';
import type { AfterTrainingContext, FamilyHooks, RunContext } from './hook-context.js';
import { pretrainStacked, stackedHeadTerms } from './stacked-procedure.js';

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
