/**
 * The `StageTrainer` a run hands to its family's procedure (models/types.ts): each stage is a
 * `Trainer` with the run's options (optimizer, batch size, seed, threads, schedule) and its own
 * initial parameters; codes come from the stage's trained encoder through a `Codec`.
 *
 * A stage compiles only the programs it runs: the chained program (`stepsPerRun` full batches in
 * one call) only when its data has that many full batches (a head on 1,000 labels at batch 128
 * has 7, so it never chains), and `retrain` trains the same model again on the programs compiled
 * already (`Trainer.restart`), so a second start of one network costs no compilation.
 */
import type { Dataset } from '../data/dataset.js';
import { Codec } from '../latent/codec.js';
import type { AutoencoderModel, StageOptions, StageTrainer, TrainableModel, TrainedStage } from '../models/types.js';
import { DEFAULT_STEPS_PER_RUN, Trainer, type TrainerOptions } from '../train/trainer.js';

function isAutoencoder(model: TrainableModel): model is AutoencoderModel {
  return 'encode' in model && 'latentDim' in model;
}

/**
 * Steps per chained call for training on `data`: the run's (default 8) when `data` has that many
 * full batches, else 1 (no chained program: `Trainer.trainEpoch` would never call it).
 */
export function stageStepsPerRun(options: TrainerOptions, data: Dataset): number {
  const chain = options.stepsPerRun ?? DEFAULT_STEPS_PER_RUN;
  return Math.floor(data.n / options.batchSize) >= chain ? chain : 1;
}

/** A stage trainer on the run's trainer `options` (their `initialParams`, if any, are not used). */
export function stageTrainer(options: TrainerOptions): StageTrainer {
  const { initialParams: _runs, ...base } = options;
  return {
    seed: options.seed,
    async fit(model: TrainableModel, data: Dataset, stage: StageOptions): Promise<TrainedStage> {
      const trainer = await Trainer.create(model, { ...base, stepsPerRun: stageStepsPerRun(options, data), ...(stage.initialParams && { initialParams: stage.initialParams }) });
      const train = async (d: Dataset, s: StageOptions): Promise<void> => {
        for (let e = 0; e < s.epochs; e++) {
          const r = await trainer.trainEpoch(d, s.epochs);
          s.onEpoch?.(r.epoch, r.train);
        }
      };
      try {
        await train(data, stage);
      } catch (err) {
        await trainer.release();
        throw err;
      }
      return {
        params: () => trainer.paramValues(),
        evaluate: (d) => trainer.evaluate(d),
        async encode(d: Dataset): Promise<Float32Array> {
          if (!isAutoencoder(model)) throw new TypeError(`${model.family} has no encoder`);
          const codec = await Codec.compile(model, trainer.state, options);
          try {
            return (await codec.encode(d.x, d.n, d.labels)).z!;
          } finally {
            await codec.release();
          }
        },
        async retrain(d: Dataset, s: StageOptions): Promise<void> {
          trainer.restart(s.initialParams);
          await train(d, s);
        },
        release: () => trainer.release(),
      };
    },
  };
}
