/**
 * One-call training for library users and tests: `fit` trains a model for some epochs and
 * returns its Trainer (for encoding, evaluation or saving); `fitAndEvaluate` also evaluates
 * on a test set and releases the compiled programs.
 */
import type { Dataset } from '../data/dataset.js';
import type { TrainableModel } from '../models/types.js';
import type { StreamingData } from './stream.js';
import { type TermValues, Trainer, type TrainerOptions } from './trainer.js';

export interface FitOptions extends TrainerOptions {
  readonly epochs: number;
}

/** Trains `model` on `train` (in memory or streamed) for `options.epochs` epochs. Release the returned trainer when done. */
export async function fit(model: TrainableModel, train: Dataset | StreamingData, options: FitOptions): Promise<Trainer> {
  const trainer = await Trainer.create(model, options);
  try {
    for (let e = 0; e < options.epochs; e++) await trainer.trainEpoch(train, options.epochs);
    return trainer;
  } catch (err) {
    await trainer.release();
    throw err;
  }
}

/** `fit`, then every term of the model averaged over `test`. */
export async function fitAndEvaluate(model: TrainableModel, train: Dataset | StreamingData, test: Dataset, options: FitOptions): Promise<TermValues> {
  const trainer = await fit(model, train, options);
  try {
    return await trainer.evaluate(test);
  } finally {
    await trainer.release();
  }
}
