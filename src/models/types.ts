/**
 * The contract every model family implements. A model is a set of pure graph functions
 * over a `Builder`; it holds no tensors. The trainer builds each function into its own
 * graph (train step, eval, encode, decode) and the parameter names tie them together.
 */
import type { Dataset } from '../data/dataset.js';
import type { Value } from '../graph/graph.js';
import type { Builder } from '../nn/builder.js';
import type { OptimizerConfig } from '../optim/optimizer.js';

/** A batch as graph inputs: x [B, ...inputShape] in [0,1]; y one-hot [B, classes] when the model uses labels. */
export interface Batch {
  readonly x: Value;
  readonly y?: Value;
}

/**
 * Named scalar terms, each a per-sample mean over the batch (in nats for likelihood terms).
 * `loss` is what the optimizer minimises.
 */
export type Terms = { readonly loss: Value } & Readonly<Record<string, Value>>;

export interface Codes {
  /** The code used for maps, interpolation and decoding (the posterior mean for VAEs), [B, latent]. */
  readonly z: Value;
  readonly [name: string]: Value;
}

/**
 * One optimisation phase of a training step: minimise term `loss` over the parameters of
 * `groups` with its own optimizer. Most models have one phase; adversarial AEs have three
 * (reconstruction, discriminator, generator), run in order on every batch.
 */
export interface PhaseSpec {
  readonly name: string;
  /** Term to minimise. */
  readonly loss: string;
  /** Parameter groups updated by this phase. */
  readonly groups: readonly string[];
  /** Terms this phase reports (names unique across phases). */
  readonly terms: readonly string[];
  /** Learning-rate multiplier relative to the run's --lr (default 1). */
  readonly lrScale?: number;
  /** Optimizer settings of this phase over the run's (e.g. Adam β₁ = 0.5 for adversarial phases). */
  readonly optimizer?: Partial<Omit<OptimizerConfig, 'lr'>>;
}

/** What the trainer needs of a model: its inputs, phases and per-batch terms. */
export interface TrainableModel {
  /** Registry name, e.g. `vae`. */
  readonly family: string;
  /** Shape of one input sample, e.g. [784]. */
  readonly inputShape: readonly number[];
  /** Number of label classes the model reads as one-hot `y` (0 = no labels). */
  readonly numClasses: number;
  /**
   * The phases of a training step. Absent: one phase minimising `loss` over every
   * parameter and reporting `trainTerms`.
   */
  readonly phases?: readonly PhaseSpec[];
  /** Terms a single-phase training step reports (the rest of `terms` are eval-only metrics). */
  readonly trainTerms: readonly string[];
  /** The training objective and metrics for one batch. */
  terms(b: Builder, batch: Batch): Terms;
}

/** A trainable model with an encoder, a decoder and a prior over its codes. */
export interface AutoencoderModel extends TrainableModel {
  readonly latentDim: number;
  /** Encoder: x [B, ...inputShape] → codes. */
  encode(b: Builder, x: Value, y?: Value): Codes;
  /** Decoder: z [B, latent] → x̂ [B, ...inputShape], the mean of p(x|z) in data space. */
  decode(b: Builder, z: Value, y?: Value): Value;
  /** Draws z from the prior, given standard-normal/uniform noise inputs from the builder. */
  samplePrior(b: Builder): Value;
  /**
   * Denoising models only: the corrupted input x̃ [B, D] they learn to clean, from the flat
   * x [B, D] and the builder's noise inputs (used to show corrupted inputs beside outputs).
   */
  corrupted?(b: Builder, x: Value): Value;
}

/** Trained parameters by name. */
export type Params = Readonly<Record<string, Float32Array>>;

/** Scalar terms by name, each a per-sample mean (e.g. `{ loss, recon, mse }`). */
export type TermValues = Record<string, number>;

/** A model trained by a {@link StageTrainer}; release it when done. */
export interface TrainedStage {
  /** The trained parameters by name (copies). */
  params(): Record<string, Float32Array>;
  /** Every term of the model averaged over `data`. */
  evaluate(data: Dataset): Promise<TermValues>;
  /** The codes `z` [n, latentDim] of `data` under the trained parameters (autoencoders only). */
  encode(data: Dataset): Promise<Float32Array>;
  /**
   * Trains the same model again from the start, on the programs compiled for it: the same
   * result as a new `fit(model, data, options)`, without compiling again.
   */
  retrain(data: Dataset, options: StageOptions): Promise<void>;
  release(): Promise<void>;
}

/**
 * The trainer a family's procedure is handed (the workflow passes one built on the run's
 * optimizer, batch size, seed and threads), so that models/ never imports train/.
 */
export interface StageTrainer {
  /** The run's seed (for seeded choices of a procedure, e.g. which rows are labelled). */
  readonly seed: number;
  /**
   * Trains `model` on `data` for `epochs` epochs, from `initialParams` where given and from the
   * run's seeded initialisers elsewhere; `onEpoch` sees each epoch's training terms.
   */
  fit(model: TrainableModel, data: Dataset, options: StageOptions): Promise<TrainedStage>;
}

export interface StageOptions {
  readonly epochs: number;
  readonly initialParams?: Params;
  readonly onEpoch?: (epoch: number, train: TermValues) => void;
}

/** What a family's procedure sees of a run. */
export interface ProcedureContext {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly trainer: StageTrainer;
  /** Reports a line of progress to the user. */
  readonly log?: (line: string) => void;
}

/**
 * A family's training procedure around the run's main training (most families have none;
 * the stacked AE pretrains greedily and trains a supervised head). `C` is the validated config.
 */
export interface FamilyProcedure<C> {
  /**
   * Training before the main training, on fresh runs with data in memory only (a resumed run
   * continues from its checkpoint): the parameters to start the main training from, by name.
   */
  pretrain?(config: C, ctx: ProcedureContext): Promise<Params>;
  /** Work after the main training, on fresh and resumed runs: extra test terms for the summary. */
  afterTraining?(config: C, ctx: ProcedureContext & { readonly params: Params }): Promise<TermValues>;
}
