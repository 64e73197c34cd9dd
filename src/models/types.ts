/**
 * The contract every model family implements. A model is a set of pure graph functions
 * over a `Builder`; it holds no tensors. The trainer builds each function into its own
 * graph (train step, eval, encode, decode) and the parameter names tie them together.
 */
import type { Value } from '../graph/graph.js';
import type { Builder } from '../nn/builder.js';

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

export interface AutoencoderModel {
  /** Registry name, e.g. `vae`. */
  readonly family: string;
  /** Shape of one input sample, e.g. [784]. */
  readonly inputShape: readonly number[];
  readonly latentDim: number;
  /** Number of label classes the model conditions on (0 = unconditional). */
  readonly numClasses: number;
  /** Names of the terms a training step reports (a subset of what `terms` returns; the rest are eval-only metrics). */
  readonly trainTerms: readonly string[];
  /** The training objective and metrics for one batch. */
  terms(b: Builder, batch: Batch): Terms;
  /** Encoder: x [B, ...inputShape] → codes. */
  encode(b: Builder, x: Value, y?: Value): Codes;
  /** Decoder: z [B, latent] → x̂ [B, ...inputShape], the mean of p(x|z) in data space. */
  decode(b: Builder, z: Value, y?: Value): Value;
  /** Draws z from the prior, given standard-normal/uniform noise inputs from the builder. */
  samplePrior(b: Builder): Value;
}
