/**
 * `compareRun`: several runs side by side. A table of each run's final test terms, MSE and
 * probe accuracies, with PCA at the same k (its reconstruction MSE and probe accuracies) on
 * the same data, and a grid of reconstructions: the first run's first test samples on top,
 * then one row per run.
 */
import { UsageError } from '../errors.js';
import { Pca } from '../latent/pca.js';
import type { NodeRuntimeOptions } from '../runtime/node.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { imageLayout } from '../viz/image-layout.js';
import { openLatent, type LatentContext } from './latent-context.js';
import { loadRun } from './load-run.js';
import { gridPng } from './pictures.js';
import { probeCodes, readProbe, writeProbe, type ProbeResult } from './probe-run.js';
import { readMetrics } from './run-dir.js';
import { writePng } from '../viz/png.js';

export interface CompareRunOptions extends NodeRuntimeOptions {
  readonly dirs: readonly string[];
  /** Reconstruction grid PNG (default `compare.png`). */
  readonly out?: string;
  /** Test samples shown per run (default 8). */
  readonly samples?: number;
}

export interface CompareRow {
  readonly run: string;
  readonly model: string;
  readonly latent: number;
  readonly epochs: number;
  readonly data: string;
  /** Final test terms of metrics.jsonl (per-sample means). */
  readonly test: Record<string, number>;
  readonly probe?: ProbeResult;
  /** PCA with k = latent on the same data: per-pixel test MSE. */
  readonly pca_mse: number;
}

export interface CompareSummary {
  readonly runs: CompareRow[];
  readonly out: string;
}

async function rowFor(ctx: LatentContext, opts: RuntimeOptions, pcaCache: Map<string, number>): Promise<CompareRow> {
  const { run } = ctx;
  const last = readMetrics(ctx.dir).at(-1);
  const test = Object.fromEntries(Object.entries(last?.test ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'));
  let probe: ProbeResult | undefined;
  if (ctx.data.train.labels && ctx.data.test.labels) {
    probe = readProbe(ctx.dir, run.epoch) ?? (await probeCodes(run.model, ctx.codec, ctx.data, run.epoch, opts));
    writeProbe(ctx.dir, probe);
  }
  const k = run.model.latentDim;
  const key = `${JSON.stringify(run.config.data)}|${k}`;
  let pcaMse = pcaCache.get(key);
  if (pcaMse === undefined) {
    const d = ctx.data.train.x.length / ctx.data.train.n;
    pcaMse = (await Pca.fit(ctx.data.train, Math.min(k, d), opts)).reconstructionMse(ctx.data.test);
    pcaCache.set(key, pcaMse);
  }
  return { run: ctx.dir, model: run.model.family, latent: k, epochs: run.epoch, data: run.config.data.spec, test, ...(probe && { probe }), pca_mse: pcaMse };
}

export async function compareRun(opts: CompareRunOptions): Promise<CompareSummary> {
  if (opts.dirs.length < 1) throw new UsageError('compare needs at least one run directory');
  const count = opts.samples ?? 8;
  if (!Number.isInteger(count) || count < 1 || count > 32) throw new UsageError(`--samples must be an integer in [1, 32] (got ${count})`);
  // Every run's config first, so a mismatch is reported before any work.
  const runs = await Promise.all(opts.dirs.map(async (dir) => ({ dir, model: (await loadRun(dir)).model })));
  const first = runs[0]!;
  // The same images, whether a model reads them flat ([784], dense families) or as [1, 28, 28] (conv families).
  const kind = (shape: readonly number[]): string => {
    const l = imageLayout(shape);
    return l ? `${l.channels}×${l.height}×${l.width}` : shape.join('×');
  };
  const shape = kind(first.model.inputShape);
  const other = runs.find((r) => kind(r.model.inputShape) !== shape);
  if (other) throw new UsageError(`${other.dir} models inputs of shape [${other.model.inputShape}], but ${first.dir} models [${first.model.inputShape}]; compare runs on the same kind of data`);
  const layout = imageLayout(first.model.inputShape);
  if (!layout) throw new UsageError(`compare: samples of shape [${first.model.inputShape}] are not images`);
  const pcaCache = new Map<string, number>();
  const rows: CompareRow[] = [];
  const d = layout.channels * layout.height * layout.width;
  let images: Float32Array | undefined;
  let shown: { x: Float32Array; n: number; labels?: Int32Array } | undefined;
  // One run open at a time (each holds its data split in memory).
  for (const [i, { dir }] of runs.entries()) {
    const ctx = await openLatent({ ...opts, dir });
    try {
      rows.push(await rowFor(ctx, ctx.runtime, pcaCache));
      if (!shown) {
        // The first run's first test samples, shown on top and reconstructed by every run.
        const test = ctx.data.test;
        const n = Math.min(count, test.n);
        shown = { x: test.x.slice(0, n * d), n, ...(test.labels && { labels: test.labels.slice(0, n) }) };
        images = new Float32Array((runs.length + 1) * n * d);
        images.set(shown.x, 0);
      }
      images!.set(await ctx.codec.reconstruct(shown.x, shown.n, shown.labels), (i + 1) * shown.n * d);
    } finally {
      await ctx.release();
    }
  }
  const out = opts.out ?? 'compare.png';
  writePng(out, gridPng(images!, (runs.length + 1) * shown!.n, layout, { cols: shown!.n }));
  return { runs: rows, out };
}
