/**
 * latentkit's public API. Layers, from the bottom: graph IR and ops, autodiff, optimizers,
 * ONNX emission and the ONNX Runtime programs, nn layers, losses, model families, the
 * trainer, data loaders, latent tools, and the run workflow behind the CLI.
 */
export { Graph, Node, Value, attr, type Attr, type Attrs } from './graph/graph.js';
export * as ops from './graph/ops.js';
export { type Dim, type DType, type Shape, ShapeError, broadcastShapes, formatShape } from './graph/shape.js';
export { grad } from './autodiff/grad.js';
export { gradCheck, type GradCheckInput, type GradCheckResult } from './autodiff/gradcheck.js';
export { Optimizer, type OptimizerConfig, type OptimizerKind, lrInputName } from './optim/optimizer.js';
export { emitModel, OPSET, IR_VERSION, type EmitOptions } from './onnx/emit.js';
export { Program, type RuntimeOptions } from './runtime/program.js';
export type { RuntimeBackend, RuntimeSession, SessionSettings } from './runtime/backend.js';
export { Tensor, defaultThreads, nodeBackend, nodeRuntime, type NodeRuntimeOptions } from './runtime/node.js';
export { PingPongBuffers, nextName, type BufferSpec } from './runtime/buffers.js';
export { Builder, type ParamSpec, type NoiseSpec, type NoiseKind } from './nn/builder.js';
export { Rng, type RngState } from './nn/rng.js';
export { heNormal, glorotUniform, torchUniform, zeros, type Initializer, type InitName } from './nn/init.js';
export { dense, mlp, activate, ACTIVATIONS, type Activation, type DenseOptions, type MlpOptions } from './nn/layers.js';
export * as losses from './losses/index.js';
export type { AutoencoderModel, Batch, Codes, Terms } from './models/types.js';
export { MODEL_FAMILIES, getFamily, UnknownModelError, type ModelFamily } from './models/registry.js';
export { defineFamily, type FamilyConfig, type FamilySchema, type FamilySpec, type FlagSpec } from './models/family.js';
export type { FamilyProcedure, ProcedureContext, StageTrainer, StageOptions, TrainedStage, Params } from './models/types.js';
export { stackedProcedure, pretrainLayers, compareHeads, selectLabelled } from './models/stacked/procedure.js';
export { stageTrainer } from './workflow/stage-trainer.js';
export { Vae } from './models/vae/model.js';
export { vaeConfigSchema, type VaeConfig } from './models/vae/config.js';
export { Ae } from './models/ae/model.js';
export { aeConfigSchema, type AeConfig } from './models/ae/config.js';
export { Dae, corrupt } from './models/dae/model.js';
export { daeConfigSchema, type DaeConfig } from './models/dae/config.js';
export { SparseAe } from './models/sparse/model.js';
export { sparseConfigSchema, type SparseConfig } from './models/sparse/config.js';
export { Cae } from './models/cae/model.js';
export { caeConfigSchema, type CaeConfig } from './models/cae/config.js';
export { Cvae } from './models/cvae/model.js';
export { cvaeConfigSchema, upgradeSavedCvaeConfig, type CvaeConfig } from './models/cvae/config.js';
export { LABEL_SCALE_DEFAULT } from './models/cvae/label-scale.js';
export { Aae } from './models/aae/model.js';
export { aaeConfigSchema, type AaeConfig } from './models/aae/config.js';
export { StackedAe } from './models/stacked/model.js';
export { stackedConfigSchema, type StackedConfig } from './models/stacked/config.js';
export { Classifier, classifierConfigSchema, softmaxCrossEntropy, type ClassifierConfig } from './models/classifier/model.js';
export type { TrainableModel, PhaseSpec } from './models/types.js';
export { Pca } from './latent/pca.js';
export { iwaeNll, isImportanceWeighted, type ImportanceWeighted } from './latent/likelihood.js';
export { countActiveUnits, unitVariances } from './latent/active-units.js';
export { codeStats, gatherRows, type CodeStats } from './latent/code-stats.js';
export { interpolationPath, pathTimes, type PathMode } from './latent/interpolate.js';
export { manifoldGrid, gaussianGridValues, rangeGridValues, type GridSpacing, type ManifoldGrid } from './latent/manifold.js';
export { klPerDimension, rankDimensions, rankLatentDimensions, traversalCodes, type DimensionRanking, type Traversal } from './latent/traverse.js';
export { attributeVector, applyAttribute, parseAlphaRange, type AttributeVector } from './latent/attribute.js';
export { project2d, parseProjectionMethod, resolveMethod, PROJECTION_METHODS, DEFAULT_MAX_POINTS, type ProjectionMethod, type ProjectOptions, type Projection } from './latent/projection.js';
export { umap, UMAP_DEFAULT_NEIGHBORS, type UmapOptions } from './latent/umap.js';
export { tsne, TSNE_DEFAULTS, type TsneOptions } from './latent/tsne.js';
export { KnnClassifier, DEFAULT_KNN_K, type KnnOptions, type Neighbours } from './latent/knn.js';
export {
  probeFeatures,
  probeAll,
  linearProbe,
  requireLabels,
  shuffledLabels,
  LINEAR_PROBE_DEFAULTS,
  PIXEL_LINEAR_PROBE_DEFAULTS,
  type ProbeScores,
  type ProbeReport,
  type ProbeOptions,
  type ProbeAllOptions,
  type LinearProbeOptions,
  type LabelledFeatures,
} from './latent/probe.js';
export { GaussianMixture, GMM_DEFAULTS, type GmmFitOptions, type GaussianMixtureJson } from './latent/gmm.js';
export { classFaithfulness, pixelReader, readsAs, shareReadAs, type ClassSampler, type Faithfulness, type FaithfulnessOptions } from './latent/faithfulness.js';
export { MlpReader, MLP_READER_DEFAULTS, type ClassReader } from './latent/mlp-reader.js';
export { evalRun, type EvalRunOptions, type EvalSummary } from './workflow/eval-run.js';
export { sampleRun, MAX_SAMPLES, type SampleRunOptions, type SampleSummary } from './workflow/sample-run.js';
export { planPrior, drawPriorCodes, fitCodeMixture, GMM_MAX_CODES, GMM_COMPONENTS, type PriorChoice, type PriorPlan } from './workflow/prior-codes.js';
export { openLatent, encodeSplit, type LatentContext, type LatentOptions, type SplitCodes, type SplitName } from './workflow/latent-context.js';
export { embedRun, type EmbedRunOptions, type EmbedSummary } from './workflow/embed-run.js';
export { mapRun, mapSpec, MAX_THUMBNAILS, type MapRunOptions, type MapSummary } from './workflow/map-run.js';
export { manifoldRun, manifoldPicture, type ManifoldRunOptions, type ManifoldSummary } from './workflow/manifold-run.js';
export { interpolateRun, type InterpolateRunOptions, type InterpolateSummary } from './workflow/interpolate-run.js';
export { traverseRun, traversePicture, type TraverseRunOptions, type TraverseSummary } from './workflow/traverse-run.js';
export { attributeRun, type AttributeRunOptions, type AttributeSummary } from './workflow/attribute-run.js';
export { probeRun, probeCodes, readProbe, PROBE_FILE, type ProbeRunOptions, type ProbeSummary, type ProbeResult } from './workflow/probe-run.js';
export { reportRun, readMetrics, REPORT_FILE, type ReportRunOptions, type ReportSummary } from './workflow/report-run.js';
export { compareRun, type CompareRunOptions, type CompareSummary, type CompareRow } from './workflow/compare-run.js';
export { writeRunPictures, corruptInputs, RECONSTRUCTIONS_FILE, SAMPLES_FILE } from './workflow/run-pictures.js';
export { loadRunData, type RunData, type Preprocess, type LoadRunDataOptions } from './workflow/run-data.js';
export { loadRun, openCodec, type LoadedRun } from './workflow/load-run.js';
export { exportRun, type ExportSummary } from './workflow/export-run.js';
export { Trainer, DivergedError, constantLr, cosineLr, type TrainerOptions, type TrainerProgress, type EpochResult, type StepEvent, type LrSchedule, type TermValues } from './train/trainer.js';
export { fit, fitAndEvaluate, type FitOptions } from './train/fit.js';
export { buildStepGraph, buildEvalGraph, compileTraining, batchInputs, type StepGraph, type EvalGraph, type CompiledTraining } from './train/programs.js';
export { encodeCheckpoint, decodeCheckpoint, restoreState, CHECKPOINT_FILE, STATE_FILE, type LoadedCheckpoint } from './train/checkpoint.js';
export { saveCheckpoint, loadCheckpoint, hasCheckpoint, NoCheckpointError } from './workflow/checkpoint-file.js';
export * from './data/index.js';
export { Codec, TensorStore, buildCodecGraphs, type ParamSource } from './latent/codec.js';
export * from './viz/index.js';
export { CorruptFileError, MissingFileError } from './persist/safetensors.js';
export { trainRun, DEFAULT_TRAIN, VERSION, type TrainRunOptions, type TrainSummary, type EpochSummary } from './workflow/train-run.js';
export { UsageError } from './errors.js';
