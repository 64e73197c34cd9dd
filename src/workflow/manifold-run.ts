/**
 * `manifoldRun`: decodes a g × g grid over two latent dimensions, the others held at the
 * mean test code (see latent/manifold.ts). VAE families space the grid by the Gaussian
 * inverse CDF; the others span the observed range of the codes. Without `dims`, a 2-D latent
 * uses (0, 1) and wider ones their two most active dimensions (by KL or variance).
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { type GridSpacing, manifoldGrid } from '../latent/manifold.js';
import { rankLatentDimensions } from '../latent/traverse.js';
import { writePng } from '../viz/png.js';
import { checkDimension, decodeLabels, encodeSplit, openLatent, requireImages, type LatentContext, type LatentOptions, type SplitCodes } from './latent-context.js';
import { gridPng } from './pictures.js';

export interface ManifoldRunOptions extends LatentOptions {
  /** Grid side g (default 20). */
  readonly grid?: number;
  readonly dims?: readonly [number, number];
  /** Class to decode with, for conditional models (default 0). */
  readonly class?: number;
  /** PNG path; default `<run>/manifold.png`. */
  readonly out?: string;
}

export interface ManifoldSummary {
  readonly model: string;
  readonly run: string;
  readonly dims: readonly [number, number];
  readonly grid: number;
  readonly spacing: 'gaussian' | 'range';
  readonly x_values: number[];
  readonly y_values: number[];
  readonly out: string;
}

/** The manifold picture of validated options (the report draws it too). */
export async function manifoldPicture(ctx: LatentContext, codes: SplitCodes, opts: { grid: number; dims?: readonly [number, number]; class?: number }): Promise<{ png: Uint8Array; dims: [number, number]; spacing: GridSpacing; xValues: Float64Array; yValues: Float64Array }> {
  const layout = requireImages(ctx, 'manifold');
  const { grid: g } = opts;
  const labels = decodeLabels(ctx, g * g, opts.class);
  const dims: [number, number] = opts.dims ? [opts.dims[0], opts.dims[1]] : codes.k === 2 ? [0, 1] : (() => {
    const { order } = rankLatentDimensions(codes.stats, codes.posterior);
    return [order[0]!, order[1]!];
  })();
  const spacing: GridSpacing = ctx.gaussianPosterior ? 'gaussian' : 'range';
  const grid = manifoldGrid(codes.stats, dims, g, spacing);
  const images = await ctx.codec.decode(grid.codes, g * g, labels);
  return { png: gridPng(images, g * g, layout, { cols: g, pad: 0 }), dims, spacing, xValues: grid.xValues, yValues: grid.yValues };
}

export async function manifoldRun(opts: ManifoldRunOptions): Promise<ManifoldSummary> {
  const g = opts.grid ?? 20;
  if (!Number.isInteger(g) || g < 2 || g > 100) throw new UsageError(`--grid must be an integer in [2, 100] (got ${g})`);
  const ctx = await openLatent(opts);
  try {
    requireImages(ctx, 'manifold');
    const k = ctx.run.model.latentDim;
    if (k < 2) throw new UsageError(`manifold needs at least 2 latent dimensions; this ${ctx.run.model.family} run has ${k}`);
    if (opts.dims) {
      opts.dims.forEach((d) => checkDimension('--dims', d, k));
      if (opts.dims[0] === opts.dims[1]) throw new UsageError(`--dims must name two different dimensions (got ${opts.dims[0]},${opts.dims[1]})`);
    }
    const codes = await encodeSplit(ctx, 'test');
    const picture = await manifoldPicture(ctx, codes, { grid: g, dims: opts.dims, class: opts.class });
    const out = opts.out ?? join(opts.dir, 'manifold.png');
    writePng(out, picture.png);
    const { dims, spacing, xValues, yValues } = picture;
    return { model: ctx.run.model.family, run: opts.dir, dims, grid: g, spacing, x_values: [...xValues], y_values: [...yValues], out };
  } finally {
    await ctx.release();
  }
}
