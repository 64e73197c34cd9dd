/**
 * `traverseRun`: one row per latent dimension, varied over [−range, range] around a centre
 * code (a test sample's, or the mean test code) while the others stay fixed; rows ranked by
 * each dimension's KL (VAEs) or code variance, so the active dimensions come first
 * (see latent/traverse.ts). VAE offsets are in prior standard deviations, the other
 * families' in standard deviations of their observed codes.
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { row } from '../latent/code-stats.js';
import { type DimensionRanking, rankLatentDimensions, traversalCodes } from '../latent/traverse.js';
import { writePng } from '../viz/png.js';
import { checkIndex, decodeLabels, encodeSplit, openLatent, requireImages, type LatentContext, type LatentOptions, type SplitCodes } from './latent-context.js';
import { gridPng } from './pictures.js';

export interface TraverseRunOptions extends LatentOptions {
  /** Test sample whose code is the centre (default: the mean code). */
  readonly around?: number;
  /** Half-width of the traversal in standard deviations (default 3). */
  readonly range?: number;
  /** Values per dimension (default 9). */
  readonly steps?: number;
  /** Rows: the top-ranked dimensions shown (default min(latent, 16)). */
  readonly top?: number;
  /** Class to decode with for conditional models (default: the centre sample's, else 0). */
  readonly class?: number;
  /** PNG path; default `<run>/traverse.png`. */
  readonly out?: string;
}

export interface TraverseSummary {
  readonly model: string;
  readonly run: string;
  readonly ranked_by: 'kl' | 'variance';
  /** Shown dimensions, top row first, with their scores. */
  readonly dims: { dim: number; score: number }[];
  readonly offsets: number[];
  readonly out: string;
}

/** The traversal picture of validated options (the report draws it too). */
export async function traversePicture(
  ctx: LatentContext,
  codes: SplitCodes,
  opts: { around?: number; range: number; steps: number; top: number; class?: number },
): Promise<{ png: Uint8Array; ranking: DimensionRanking; dims: Int32Array; offsets: Float64Array }> {
  const layout = requireImages(ctx, 'traverse');
  const centre = opts.around !== undefined ? row(codes.z, codes.k, opts.around) : Float32Array.from(codes.stats.mean);
  const ranking = rankLatentDimensions(codes.stats, codes.posterior);
  const dims = ranking.order.subarray(0, opts.top);
  const t = traversalCodes(centre, dims, opts.range, opts.steps, ctx.gaussianPosterior ? 'prior' : 'data', codes.stats);
  const count = opts.top * opts.steps;
  const label = opts.class ?? (opts.around !== undefined ? codes.data.labels?.[opts.around] : undefined);
  const images = await ctx.codec.decode(t.codes, count, decodeLabels(ctx, count, label));
  return { png: gridPng(images, count, layout, { cols: opts.steps }), ranking, dims, offsets: t.offsets };
}

export async function traverseRun(opts: TraverseRunOptions): Promise<TraverseSummary> {
  const range = opts.range ?? 3;
  const steps = opts.steps ?? 9;
  if (!(range > 0 && range <= 100)) throw new UsageError(`--range must be a number in (0, 100] (got ${range})`);
  if (!Number.isInteger(steps) || steps < 2 || steps > 50) throw new UsageError(`--steps must be an integer in [2, 50] (got ${steps})`);
  const ctx = await openLatent(opts);
  try {
    requireImages(ctx, 'traverse');
    const k = ctx.run.model.latentDim;
    const top = opts.top ?? Math.min(k, 16);
    if (!Number.isInteger(top) || top < 1 || top > k) throw new UsageError(`--top must be an integer in [1, ${k}] (got ${top})`);
    const codes = await encodeSplit(ctx, 'test');
    if (opts.around !== undefined) checkIndex('--around', opts.around, codes);
    const picture = await traversePicture(ctx, codes, { around: opts.around, range, steps, top, class: opts.class });
    const out = opts.out ?? join(opts.dir, 'traverse.png');
    writePng(out, picture.png);
    const { ranking, dims, offsets } = picture;
    return {
      model: ctx.run.model.family,
      run: opts.dir,
      ranked_by: ranking.by,
      dims: [...dims].map((d) => ({ dim: d, score: ranking.scores[d]! })),
      offsets: [...offsets],
      out,
    };
  } finally {
    await ctx.release();
  }
}
