/**
 * latentkit's portable API, for a page or a Web Worker: the same model families, trainer and
 * checkpoint format as the Node package, running on onnxruntime-web (runtime/web.ts). Nothing
 * here imports a Node module or onnxruntime-node; `src/browser-bundle.test.ts` bundles this
 * file for the browser in every `npm test` and fails if one slips in.
 *
 * A page trains like this (the checkpoint bytes are those `latentkit train` writes, so the
 * CLI's `eval`, `export` and `--resume` read them):
 *
 *   const backend = await createWebBackend({ wasmPaths: new URL('ort/', document.baseURI).href });
 *   const model = getFamily('vae').create({ inputShape: [784] });
 *   const trainer = await Trainer.create(model, { backend, batchSize: 128, seed: 1, optimizer: { kind: 'adam', lr: 1e-3 } });
 *   await trainer.trainEpoch(dataset, epochs);
 *   const bytes = await encodeCheckpoint(trainer.state.snapshot(), trainer.progress, model.family);
 */
export { createWebBackend, WEB_RUNTIME_FILES, type WebBackend, type WebBackendOptions, type WebDevice } from './runtime/web.js';
export type { RuntimeBackend, RuntimeSession, SessionSettings, Tensor } from './runtime/backend.js';
export { Program, type RuntimeOptions } from './runtime/program.js';
export { PingPongBuffers, type BufferSpec } from './runtime/buffers.js';

export { MODEL_FAMILIES, getFamily, UnknownModelError, type FamilyConfig, type FlagSpec, type ModelFamily } from './models/registry.js';
export type { AutoencoderModel, TrainableModel } from './models/types.js';
export { modelForData, type ModelSettings } from './models/for-data.js';
export {
  Trainer,
  DivergedError,
  DEFAULT_STEPS_PER_RUN,
  constantLr,
  cosineLr,
  type EpochResult,
  type LrSchedule,
  type MidEpochCheckpoints,
  type StepEvent,
  type TermValues,
  type TrainerOptions,
  type TrainerProgress,
} from './train/trainer.js';
export { buildEvalGraph } from './train/programs.js';
export type { OptimizerConfig, OptimizerKind } from './optim/optimizer.js';
export { Rng, type RngState } from './nn/rng.js';

export { CHECKPOINT_FILE, CHECKPOINT_FORMAT, STATE_FILE, decodeCheckpoint, encodeCheckpoint, restoreState, stateMirrorText, type LoadedCheckpoint } from './train/checkpoint.js';
export { CorruptFileError, decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type TensorF32 } from './persist/safetensors-codec.js';

export type { Dataset, Split } from './data/dataset.js';
export { sampleSize } from './data/dataset.js';
export { DataError } from './data/errors.js';
export { UsageError } from './errors.js';
export { bytesToUnit, seededSplit, SINGLE_FILE_TEST_FRACTION, splitTail, subset, takeRows, validateFinite } from './data/ops.js';
export { applyStandardize, binarizeStatic, fitStandardize, type StandardizeStats } from './data/transforms.js';

export { buildCodecGraphs, Codec, emitCodecModels, TensorStore, type ParamSource } from './latent/codec.js';
export { unitVariances } from './latent/active-units.js';
export { topEigen } from './latent/top-eigen.js';
export { Pca } from './latent/pca.js';
export { project2d, type Projection, type ProjectionMethod } from './latent/projection.js';

export { Graph } from './graph/graph.js';
export * as ops from './graph/ops.js';
export { emitModel } from './onnx/emit.js';

// A run's training settings as config.json records them, and the Trainer options they make.
export { DEFAULT_TRAIN, trainerSettingsFor, trainSettingsSchema, type TrainSettings } from './workflow/train-settings.js';

// Portable jobs that live beside the Node ones in workflow/: the stacked AE's stage trainer and the mixture prior fitted to a model's codes.
export { stageTrainer } from './workflow/stage-trainer.js';
export { fitCodeMixture } from './workflow/prior-codes.js';
