/**
 * The `StageTrainer` a run hands to its family's procedure (models/types.ts): each stage is a
 * `Trainer` with the run's options (optimizer, batch size, seed, threads, schedule) and its own
 * initial parameters; codes come from the stage's trained encoder through a `Codec`.
 */
import type { Dataset } from '../data/dataset.js';
import { Codec } from '../latent/codec.js';
import type { AutoencoderModel, StageOptions, StageTrainer, TrainableModel, TrainedStage } from '../models/types.js';
import { Trainer, type TrainerOptions } from '../train/trainer.js';

function isAutoencoder(model: TrainableModel): model is AutoencoderModel {
  return 'encode' in model && 'latentDim' in model;
}

/** A stage trainer on the run's trainer `options` (their `initialParams`, if any, are not used). */
export function stageTrainer(options: TrainerOptions): StageTrainer {
  const { initialParams: _runs, ...base } = options;
  return {
    seed: options.seed,
    async fit(model: TrainableModel, data: Dataset, stage: StageOptions): Promise<TrainedStage> {
      const trainer = await Trainer.create(model, stage.initialParams ? { ...base, initialParams: stage.initialParams } : base);
      try {
        for (let e = 0; e < stage.epochs; e++) {
          const r = await trainer.trainEpoch(data, stage.epochs);
          stage.onEpoch?.(r.epoch, r.train);
        }
      } catch (err) {
        await trainer.release();
        throw err;
      }
      return {
        params: () => trainer.paramValues(),
        evaluate: (d) => trainer.evaluate(d),
        async encode(d: Dataset): Promise<Float32Array> {
          if (!isAutoencoder(model)) throw new TypeError(`${model.family} has no encoder`);
          const codec = await Codec.compile(model, trainer.state, { threads: options.threads });
          try {
            return (await codec.encode(d.x, d.n, d.labels)).z!;
          } finally {
            await codec.release();
          }
        },
        release: () => trainer.release(),
      };
    },
  };
}
