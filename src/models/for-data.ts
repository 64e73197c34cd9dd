/**
 * The model a family's settings make for a data set, as `latentkit train` (workflow/train-run.ts)
 * and the browser's Train tab (web/src/train/worker.ts) both build it:
 * - `inputShape` from the data: [C, H, W] images for the conv families (a flat square sample as
 *   one gray channel, [H, W] as one channel), the flat sample size [D] for the others; a
 *   stated `inputShape` must hold as many values as a sample;
 * - `numClasses` from the labels for families that read them, every label in [0, numClasses);
 * - validated once by the family's schema (a ZodError on bad settings), unless `validated` is
 *   the config already validated at the boundary (a resumed run's).
 */
import { type Dataset, sampleSize } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { imageLayout } from '../viz/image-layout.js';
import { type FamilyConfig, getFamily } from './registry.js';
import type { AutoencoderModel } from './types.js';

/** A family's settings before the data is known: its name plus any of its schema's fields. */
export type ModelSettings = { readonly family: string } & Readonly<Record<string, unknown>>;

export function modelForData(raw: ModelSettings, data: Dataset, validated?: FamilyConfig): { model: AutoencoderModel; config: FamilyConfig } {
  const family = getFamily(raw.family);
  const inputShape = raw['inputShape'] as number[] | undefined;
  if (inputShape && inputShape.reduce((a, b) => a * b, 1) !== sampleSize(data)) {
    throw new UsageError(`the run's model expects inputs of shape [${inputShape}], but ${data.name} has samples of shape [${data.sampleShape}]`);
  }
  const dataShape = family.imageInput ? imageShape(data.sampleShape) : [sampleSize(data)];
  const withData: Record<string, unknown> = { ...raw, inputShape: inputShape ?? dataShape };
  if (family.needsLabels(raw)) {
    if (!data.labels || !data.numClasses) throw new UsageError(`--model ${raw.family}${raw['conditional'] ? ' --conditional' : ''}${raw['labels'] ? ` --labels ${String(raw['labels'])}` : ''} needs labels, but ${data.name} has none (for CSV, add a "label" column)`);
    withData['numClasses'] ??= data.numClasses;
    checkLabels(data, withData['numClasses'] as number);
  }
  const config = validated ?? family.parse(withData);
  return { model: family.create(config), config };
}

/** [C, H, W] of image samples ([H·W] squares and [H, W] as one channel), else the samples' own shape. */
function imageShape(sampleShape: readonly number[]): number[] {
  const layout = imageLayout(sampleShape);
  return layout ? [layout.channels, layout.height, layout.width] : [...sampleShape];
}

/** Every label of a labelled model's data must be a class id in [0, numClasses). */
export function checkLabels(data: Dataset, numClasses: number): void {
  if (numClasses === 0 || !data.labels) return;
  const bad = data.labels.findIndex((l) => l < 0 || l >= numClasses);
  if (bad >= 0) throw new UsageError(`${data.name}: label ${data.labels[bad]} of row ${bad} is out of range [0, ${numClasses})`);
}
