/**
 * `buildExploreBundle`: the files the explorer page needs of one run, written into a folder
 * (see explore-manifest.ts for the format):
 *   encoder.onnx, decoder.onnx, model.json   from export-run.ts
 *   codes.f32, map.f32, labels.i32           the mapped points: codes of a split (μ for VAEs)
 *                                            and their 2-D map (latent/projection.ts project2d)
 *   thumbs.u8                                each point's image, as drawn (HWC uint8)
 *   prior.f32 (+ prior-labels.i32)           draws from the model's own prior when the page
 *                                            cannot draw it itself (an AAE's mixture/uniform prior)
 *   metrics.jsonl                            copy of the run's log
 *   manifest.json                            written last; with `source`, the key of the cache
 *
 * The folder is built beside its target and renamed into place, so a killed build never
 * leaves a half bundle that looks complete. `bundleIsCurrent` tells whether a folder already
 * holds the bundle of the same checkpoint, config and options (the explorer's cache).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { gatherRows } from '../latent/code-stats.js';
import { Pca } from '../latent/pca.js';
import { project2d, type ProjectionMethod } from '../latent/projection.js';
import { Rng } from '../nn/rng.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { exportRun } from './export-run.js';
import { EXPLORE_FORMAT, type ExploreImage, type ExploreManifest, type ExplorePreprocess } from './explore-manifest.js';
import { openLatent, type LatentContext, type LatentOptions } from './latent-context.js';
import { CONFIG_FILE, METRICS_FILE, readRunConfig } from './run-dir.js';
import { readRunPreprocess } from './run-data.js';
import { labelNamesFor, MIXTURE_MAX_CODES, pagePrior, sliderDims, thumbnailBytes } from './explore-pieces.js';
import { fitCodeMixture } from './prior-codes.js';
import { VERSION } from './train-run.js';

export type ExploreSplit = 'test' | 'train' | 'all';
export const EXPLORE_SPLITS: readonly ExploreSplit[] = ['test', 'train', 'all'];

export interface ExploreBundleOptions extends LatentOptions {
  /** The bundle folder to write (replaced as a whole). */
  readonly out: string;
  /** Map projection for codes wider than 2 (default `pca`; k ≤ 2 is always drawn as is). */
  readonly method?: ProjectionMethod;
  readonly split?: ExploreSplit;
  /** Most points mapped (default: the method's cap, latent/projection.ts DEFAULT_MAX_POINTS). */
  readonly maxPoints?: number;
  readonly seed?: number;
  readonly onProgress?: (done: number, total: number, phase: string) => void;
}

/** What identifies a bundle's inputs: if all of it matches, a folder's bundle can be reused. */
export interface BundleSource {
  readonly format: string;
  readonly latentkit: string;
  readonly checkpoint: { readonly size: number; readonly mtimeMs: number };
  readonly config: { readonly size: number; readonly mtimeMs: number };
  readonly method: ProjectionMethod;
  readonly split: ExploreSplit;
  readonly maxPoints: number | null;
  readonly seed: number;
}

export interface BundleSummary {
  readonly out: string;
  readonly points: number;
  readonly method: ExploreManifest['points']['method'];
  readonly reused: boolean;
  readonly seconds: number;
}

/** The manifest name inside a bundle. */
export const MANIFEST_FILE = 'manifest.json';

/** Fails (one line) unless `dir` is a run with a checkpoint. Reads nothing else. */
export function checkExplorableRun(dir: string): void {
  readRunConfig(dir);
  if (!existsSync(join(dir, CHECKPOINT_FILE))) throw new UsageError(`${dir} has no checkpoint (${CHECKPOINT_FILE}): train it first, or wait for its first epoch to end`);
}

export function bundleSource(opts: ExploreBundleOptions): BundleSource {
  const stamp = (f: string): { size: number; mtimeMs: number } => {
    const s = statSync(join(opts.dir, f));
    return { size: s.size, mtimeMs: s.mtimeMs };
  };
  return {
    format: EXPLORE_FORMAT,
    latentkit: VERSION,
    checkpoint: stamp(CHECKPOINT_FILE),
    config: stamp(CONFIG_FILE),
    method: opts.method ?? 'pca',
    split: opts.split ?? 'test',
    maxPoints: opts.maxPoints ?? null,
    seed: opts.seed ?? 0,
  };
}

/** Whether `out` holds a complete bundle built from the same inputs. */
export function bundleIsCurrent(opts: ExploreBundleOptions): boolean {
  const path = join(opts.out, MANIFEST_FILE);
  if (!existsSync(path)) return false;
  try {
    const saved = (JSON.parse(readFileSync(path, 'utf8')) as { source?: unknown }).source;
    return JSON.stringify(saved) === JSON.stringify(bundleSource(opts));
  } catch {
    return false;
  }
}

/** The bundle of `opts.dir` in `opts.out`, reused when current, else built afresh. */
export async function ensureExploreBundle(opts: ExploreBundleOptions): Promise<BundleSummary> {
  checkExplorableRun(opts.dir);
  if (bundleIsCurrent(opts)) {
    const m = JSON.parse(readFileSync(join(opts.out, MANIFEST_FILE), 'utf8')) as ExploreManifest;
    return { out: opts.out, points: m.points.count, method: m.points.method, reused: true, seconds: 0 };
  }
  return buildExploreBundle(opts);
}

/** Builds the bundle into a sibling temp folder, then swaps it in for `opts.out`. */
export async function buildExploreBundle(opts: ExploreBundleOptions): Promise<BundleSummary> {
  checkExplorableRun(opts.dir);
  const t0 = performance.now();
  const source = bundleSource(opts);
  const staging = join(dirname(opts.out), `.${basename(opts.out)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    const manifest = await writeBundleFiles(opts, source, staging);
    writeFileSync(join(staging, MANIFEST_FILE), `${JSON.stringify({ ...manifest, source })}\n`);
    rmSync(opts.out, { recursive: true, force: true });
    renameSync(staging, opts.out);
    return { out: opts.out, points: manifest.points.count, method: manifest.points.method, reused: false, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** At most `max` rows of a dataset: a seeded subset, in their original order. */
function subsetRows(ds: Dataset, max: number, seed: number): Dataset {
  if (ds.n <= max) return ds;
  const d = ds.x.length / ds.n;
  const pick = new Rng(`${seed}:explore-mixture`).permutation(ds.n).subarray(0, max).sort();
  const x = new Float32Array(max * d);
  pick.forEach((r, i) => x.set(ds.x.subarray(r * d, (r + 1) * d), i * d));
  const { labels: _, ...rest } = ds;
  return { ...rest, n: max, x, ...(ds.labels && { labels: Int32Array.from(pick, (r) => ds.labels![r]!) }) };
}

/** The datasets whose rows are mapped, in order (train then test for `all`; not copied into one). */
function splitParts(ctx: LatentContext, split: ExploreSplit): readonly Dataset[] {
  return split === 'all' ? [ctx.data.train, ctx.data.test] : [ctx.data[split]];
}

function concatFloats(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** The page's form of the run's transforms. */
function pagePreprocess(ctx: LatentContext): ExplorePreprocess {
  const p = readRunPreprocess(ctx.dir, ctx.run.config.data);
  return {
    ...(p.binarize !== undefined && { binarizeThreshold: 0.5 }),
    ...(p.standardize !== undefined && { standardize: { mean: Array.from(p.standardize.mean), std: Array.from(p.standardize.std) } }),
  };
}

function bytesOf(a: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function writeBundleFiles(opts: ExploreBundleOptions, source: BundleSource, staging: string): Promise<ExploreManifest> {
  const ctx = await openLatent(opts);
  try {
    const { model } = ctx.run;
    const k = model.latentDim;
    const parts = splitParts(ctx, source.split);
    const n = parts.reduce((a, p) => a + p.n, 0);
    opts.onProgress?.(0, 1, 'encode');
    const encoded = [];
    for (const p of parts) encoded.push(await ctx.codec.encode(p.x, p.n, p.labels));
    const codeName = encoded[0]!['mu'] ? 'mu' : 'z';
    const codes = concatFloats(encoded.map((e) => e[codeName]!));
    const projection = await project2d(codes, n, k, {
      method: k <= 2 ? 'auto' : source.method,
      seed: source.seed,
      ...(source.maxPoints !== null && { maxPoints: source.maxPoints }),
      ...(opts.onProgress && { onProgress: opts.onProgress }),
      runtime: ctx.runtime,
    });
    const rows = projection.indices;
    const m = rows.length;
    const pointCodes = gatherRows(codes, k, rows);
    // the same fit project2d made (same rows, deterministic), kept for the page to map codes both ways
    const pca = projection.method === 'pca' ? await Pca.fit({ name: 'codes', n: m, sampleShape: [k], x: pointCodes }, 2, ctx.runtime) : null;
    const plane = pca && { mean: Array.from(pca.mean), components: [0, 1].map((c) => Array.from(pca.components.subarray(c * k, (c + 1) * k))) };
    writeFileSync(join(staging, 'codes.f32'), bytesOf(pointCodes));
    writeFileSync(join(staging, 'map.f32'), bytesOf(projection.xy));
    const allLabels = parts.every((p) => p.labels) ? Int32Array.from(parts.flatMap((p) => Array.from(p.labels!))) : null;
    const labels = allLabels && Int32Array.from(rows, (r) => allLabels[r]!);
    if (labels) writeFileSync(join(staging, 'labels.i32'), bytesOf(labels));
    const preprocess = pagePreprocess(ctx);
    const image: ExploreImage | null = ctx.layout && { channels: ctx.layout.channels, height: ctx.layout.height, width: ctx.layout.width };
    if (image) {
      // rows ascend, so each part's thumbnails follow the previous part's
      let offset = 0;
      const chunks = parts.map((p) => {
        const local = Int32Array.from(rows.filter((r) => r >= offset && r < offset + p.n), (r) => r - offset);
        offset += p.n;
        return thumbnailBytes(p.x, local, image, preprocess);
      });
      writeFileSync(join(staging, 'thumbs.u8'), Buffer.concat(chunks));
    }

    const labelNames = labelNamesFor(model.numClasses, labels, parts[0]!.classNames);

    opts.onProgress?.(0, 1, 'prior');
    const { prior, files: priorFiles } = await pagePrior(ctx.codec, ctx.run.config.model, source.seed);
    for (const [name, data] of Object.entries(priorFiles)) writeFileSync(join(staging, name), data);
    const mixture = (await fitCodeMixture(ctx.codec, subsetRows(ctx.data.train, MIXTURE_MAX_CODES, source.seed), source.seed)).toJSON();

    await exportRun(opts.dir, staging);
    const description = JSON.parse(readFileSync(join(staging, 'model.json'), 'utf8')) as { encoder: { outputs: { name: string }[] } };
    const metricsPath = join(opts.dir, METRICS_FILE);
    writeFileSync(join(staging, 'metrics.jsonl'), existsSync(metricsPath) ? readFileSync(metricsPath) : '');
    return {
      format: EXPLORE_FORMAT,
      latentkit: VERSION,
      run: basename(opts.dir.replace(/[\\/]+$/, '')),
      family: model.family,
      inputShape: model.inputShape,
      latentDim: k,
      numClasses: model.numClasses,
      image,
      preprocess,
      code: codeName,
      model: { encoder: 'encoder.onnx', decoder: 'decoder.onnx', description: 'model.json', encoderOutputs: description.encoder.outputs.map((o) => o.name) },
      points: { count: m, split: source.split, method: projection.method, codes: 'codes.f32', xy: 'map.f32', labels: labels ? 'labels.i32' : null, thumbnails: image ? 'thumbs.u8' : null },
      plane,
      labelNames,
      dims: sliderDims(pointCodes, m, k),
      prior,
      mixture,
      config: ctx.run.config as unknown as Record<string, unknown>,
      metrics: 'metrics.jsonl',
    };
  } finally {
    await ctx.release();
  }
}
