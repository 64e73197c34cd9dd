/**
 * The explorer bundle's manifest (`run/manifest.json`): what the explorer page (web/) needs to
 * know about a run's files. Types only, shared by the Node builder (explore-bundle.ts)
 * and the page (web/src), so it imports nothing.
 *
 * Binary files are little-endian, row-major, with no header:
 *   codes.f32    count × latentDim float32, the codes of the mapped points (μ for VAEs)
 *   map.f32      count × 2 float32, their 2-D map positions
 *   labels.i32   count int32 (absent for unlabelled data)
 *   thumbs.u8    count × height × width × channels uint8, each point's image as drawn
 *                (HWC; gray or RGB; after undoing standardisation, clamped to [0, 1] · 255)
 *   prior.f32    draws × latentDim float32: codes drawn from the model's own prior (kind `draws`)
 *   prior-labels.i32  draws int32, the class of each draw (conditional models)
 */

export const EXPLORE_FORMAT = 'latentkit-explore/1';

export interface ExploreImage {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/** Transforms applied to x before the encoder (as in model.json, in a form the page applies directly). */
export interface ExplorePreprocess {
  /** x' = x > threshold ? 1 : 0. */
  readonly binarizeThreshold?: number;
  /** x' = (x − mean) / std, per feature; decoder outputs are mapped back by x = x'·std + mean for display. */
  readonly standardize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/**
 * The model's prior as the page draws from it: `normal` is z ~ N(0, I) drawn in the page;
 * `draws` is a file of codes drawn in Node by the model's own prior graph (e.g. an AAE's
 * mixture or uniform prior); `none` for families without a prior (the fitted mixture stands in).
 */
export type ExplorePrior =
  | { readonly kind: 'normal' }
  | { readonly kind: 'draws'; readonly file: string; readonly count: number; readonly labels: string | null }
  | { readonly kind: 'none' };

/** A diagonal Gaussian mixture (latent/gmm.ts `GaussianMixtureJson`). */
export interface ExploreMixture {
  readonly kind: 'gaussian-mixture-diag';
  readonly dim: number;
  readonly weights: readonly number[];
  readonly means: readonly (readonly number[])[];
  readonly variances: readonly (readonly number[])[];
}

export interface ExploreManifest {
  readonly format: typeof EXPLORE_FORMAT;
  readonly latentkit: string;
  /** The run folder's name. */
  readonly run: string;
  readonly family: string;
  readonly inputShape: readonly number[];
  readonly latentDim: number;
  /** Width of the one-hot label input of conditional models; 0 otherwise. */
  readonly numClasses: number;
  readonly image: ExploreImage | null;
  readonly preprocess: ExplorePreprocess;
  /** Which encoder output the codes are: `mu` (posterior mean) for VAEs, else `z`. */
  readonly code: 'mu' | 'z';
  readonly model: { readonly encoder: string; readonly decoder: string; readonly description: string; readonly encoderOutputs: readonly string[] };
  readonly points: {
    readonly count: number;
    readonly split: 'test' | 'train' | 'all';
    /** How the codes were mapped to 2-D: identity (k ≤ 2, the map IS the latent space), pca, umap, tsne. */
    readonly method: 'identity' | 'pca' | 'umap' | 'tsne';
    readonly codes: string;
    readonly xy: string;
    readonly labels: string | null;
    readonly thumbnails: string | null;
  };
  /**
   * The plane of a `pca` map: xy = W(z − μ) with W the 2 × k components (rows, unit length);
   * a map point (x, y) stands for the code z = μ + x·w₀ + y·w₁. Null for other maps.
   */
  readonly plane: { readonly mean: readonly number[]; readonly components: readonly (readonly number[])[] } | null;
  /** Names of the labels 0..L−1 (or their numbers as text). */
  readonly labelNames: readonly string[];
  /** Latent dimensions: `order` sorts them by activity Var_x(code_d) (descending); mean/std over the mapped points. */
  readonly dims: { readonly order: readonly number[]; readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly prior: ExplorePrior;
  /** A mixture fitted to (a seeded subset of at most 2,000 of) the training codes (prior-codes.ts fitCodeMixture). */
  readonly mixture: ExploreMixture;
  /** The run's config.json. */
  readonly config: Record<string, unknown>;
  /** Copy of the run's metrics.jsonl (one JSON object per epoch). */
  readonly metrics: string;
}
