/**
 * `mapRun`: the codes of a split scattered in 2-D, coloured by label with a legend. 2-D
 * latents are drawn as they are; wider ones are projected (latent/projection.ts: UMAP,
 * t-SNE or PCA, seeded). With `images`, small thumbnails sit at their codes instead of dots:
 * the classic "t-SNE of MNIST" picture.
 */
import { join } from 'node:path';
import { gatherRows } from '../latent/code-stats.js';
import { parseProjectionMethod, project2d, type Projection, type ProjectionMethod } from '../latent/projection.js';
import { Rng } from '../nn/rng.js';
import { latentScatterSpec, pngDataUrl, thumbnailScatterSpec } from '../viz/charts.js';
import { imageGridPng } from '../viz/grid.js';
import type { ImageLayout } from '../viz/image-layout.js';
import { writePng } from '../viz/png.js';
import type { VegaLiteSpec } from '../viz/vega.js';
import { encodeSplit, openLatent, requireImages, type LatentOptions, type SplitCodes, type SplitName } from './latent-context.js';
import { renderChart } from './pictures.js';

/** Thumbnails drawn at most with `images` (a seeded subset of the projected points). */
export const MAX_THUMBNAILS = 600;

export interface MapRunOptions extends LatentOptions {
  readonly method?: ProjectionMethod;
  readonly split?: SplitName;
  readonly images?: boolean;
  /** Most points projected (default per method; see latent/projection.ts). */
  readonly maxPoints?: number;
  readonly seed?: number;
  /** PNG path; default `<run>/map.png`. */
  readonly out?: string;
  readonly onProgress?: (done: number, total: number, phase: string) => void;
}

export interface MapSummary {
  readonly model: string;
  readonly run: string;
  readonly split: SplitName;
  readonly method: Projection['method'];
  readonly latent: number;
  readonly points: number;
  readonly seconds: number;
  readonly out: string;
}

/** Axis titles of a projection of k-D codes. */
function axisTitles(method: Projection['method'], k: number): [string, string] {
  if (method === 'identity') return k === 1 ? ['z0', ''] : ['z0', 'z1'];
  const name = method === 'pca' ? 'PC' : method === 'umap' ? 'UMAP ' : 't-SNE ';
  return [`${name}1`, `${name}2`];
}

/** The chart of a projected split: dots coloured by label, or thumbnails. */
export function mapSpec(codes: SplitCodes, projection: Projection, title: string, thumbnails?: { layout: ImageLayout; seed: number }): VegaLiteSpec {
  const m = projection.indices.length;
  const x = Float32Array.from({ length: m }, (_, i) => projection.xy[2 * i]!);
  const y = Float32Array.from({ length: m }, (_, i) => projection.xy[2 * i + 1]!);
  const [xTitle, yTitle] = axisTitles(projection.method, codes.k);
  if (!thumbnails) {
    const labels = codes.data.labels ? Int32Array.from(projection.indices, (i) => codes.data.labels![i]!) : undefined;
    return latentScatterSpec({ x, y, ...(labels && { labels }), ...(codes.data.classNames && { classNames: [...codes.data.classNames] }), title, xTitle, yTitle });
  }
  const { layout } = thumbnails;
  const d = layout.channels * layout.height * layout.width;
  const pick = m > MAX_THUMBNAILS ? new Rng(`${thumbnails.seed}:thumbnails`).permutation(m).subarray(0, MAX_THUMBNAILS).sort() : Int32Array.from({ length: m }, (_, i) => i);
  const urls = Array.from(pick, (p) => {
    const img = codes.data.x.subarray(projection.indices[p]! * d, (projection.indices[p]! + 1) * d);
    // Gray images are drawn dark on the white plot (1 − x); colour images as they are.
    const shown = layout.channels === 1 ? Float32Array.from(img, (v) => 1 - v) : img;
    return pngDataUrl(imageGridPng(shown, 1, layout.height, layout.width, { pad: 0, channels: layout.channels }));
  });
  return thumbnailScatterSpec({ x: gatherRows(x, 1, pick), y: gatherRows(y, 1, pick), thumbnails: urls, size: Math.min(28, Math.max(layout.height, layout.width)), title, xTitle, yTitle, width: 720, height: 720 });
}

export async function mapRun(opts: MapRunOptions): Promise<MapSummary> {
  const method = parseProjectionMethod(opts.method ?? 'auto');
  const split = opts.split ?? 'test';
  const ctx = await openLatent(opts);
  try {
    const layout = opts.images ? requireImages(ctx, 'map --images') : undefined;
    const codes = await encodeSplit(ctx, split);
    const t0 = performance.now();
    const projection = await project2d(codes.z, codes.n, codes.k, {
      method,
      seed: opts.seed ?? 0,
      ...(opts.maxPoints !== undefined && { maxPoints: opts.maxPoints }),
      ...(opts.onProgress && { onProgress: opts.onProgress }),
      runtime: ctx.runtime,
    });
    const seconds = (performance.now() - t0) / 1000;
    const title = `${ctx.run.model.family}: ${split} codes${projection.method === 'identity' ? '' : ` (${projection.method}, ${codes.k}-D → 2-D)`}`;
    const spec = mapSpec(codes, projection, title, layout && { layout, seed: opts.seed ?? 0 });
    const { png } = await renderChart(spec, opts.images ? 1000 : 800);
    const out = opts.out ?? join(opts.dir, 'map.png');
    writePng(out, png);
    return { model: ctx.run.model.family, run: opts.dir, split, method: projection.method, latent: codes.k, points: projection.indices.length, seconds, out };
  } finally {
    await ctx.release();
  }
}
