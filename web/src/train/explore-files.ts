/**
 * The explorer bundle of a run trained in the page: the files `latentkit explore` builds in Node
 * (workflow/explore-bundle.ts; names and layout in workflow/explore-manifest.ts), made in the
 * worker from the trained model, so the explorer's own views (map, sliders, interpolation,
 * sampling, attribute vectors, drawing, model card) open on it without a server round trip.
 *
 * Same choices as the Node bundle, on the test split: the codes (μ for VAEs) of its first
 * {@link MAP_POINTS} rows; a 2-D latent drawn as it is, a wider one on its PCA plane
 * (latent-map.ts); sliders ordered by Var(code); the prior N(0, I) where that is the model's
 * prior, else {@link PRIOR_DRAWS} draws of its prior graph; a Gaussian mixture fitted to the
 * training codes (workflow/prior-codes.ts `fitCodeMixture`).
 */
import type { Dataset } from '../../../src/data/dataset.js';
import type { Codec } from '../../../src/latent/codec.js';
import { fitCodeMixture, getFamily, Rng, unitVariances } from '../../../src/browser.js';
import { EXPLORE_FORMAT, type ExploreImage, type ExploreManifest, type ExplorePrior } from '../../../src/workflow/explore-manifest.js';
import { version } from '../../../package.json';
import { mapOf } from './latent-map.js';
import type { ExportedModel } from './protocol.js';

export const MAP_POINTS = 1000;
export const PRIOR_DRAWS = 2048;
/** Training rows the mixture is fitted to (as explore-bundle.ts MIXTURE_MAX_CODES). */
const MIXTURE_ROWS = 2000;

const bytes = (a: Float32Array | Int32Array | Uint8Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** The image layout of samples [C, H, W] (C = 1 or 3), or null. */
export function imageOf(shape: readonly number[]): ExploreImage | null {
  return shape.length === 3 && (shape[0] === 1 || shape[0] === 3) ? { channels: shape[0] as 1 | 3, height: shape[1]!, width: shape[2]! } : null;
}

/** Display bytes (HWC) of rows 0..n−1: clamp(x, 0, 1) · 255, as explore-bundle.ts `thumbnailBytes` without standardisation. */
function thumbnails(ds: Dataset, n: number, image: ExploreImage): Uint8Array {
  const { channels: c, height: h, width: w } = image;
  const hw = h * w;
  const out = new Uint8Array(n * hw * c);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) out[(i * hw + p) * c + ch] = Math.round(Math.min(1, Math.max(0, ds.x[(i * c + ch) * hw + p]!)) * 255);
  return out;
}

export interface ExploreFilesInput {
  readonly runName: string;
  readonly config: Record<string, unknown>;
  readonly codec: Codec;
  readonly exported: ExportedModel;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly seed: number;
  readonly metrics: Uint8Array;
}

/** The bundle's files by name, manifest.json included. */
export async function exploreFiles(input: ExploreFilesInput): Promise<Record<string, Uint8Array>> {
  const { codec, exported, test, seed } = input;
  const model = codec.model;
  const k = model.latentDim;
  const n = Math.min(MAP_POINTS, test.n);
  const d = test.x.length / test.n;
  const encoded = await codec.encode(test.x.subarray(0, n * d), n, test.labels?.subarray(0, n));
  const codes = encoded[exported.code] ?? encoded['z']!;
  const map = mapOf(codes, n, k);
  const labels = test.labels ? test.labels.slice(0, n) : null;
  const image = imageOf(test.sampleShape);
  const files: Record<string, Uint8Array> = {
    'encoder.onnx': exported.encoder,
    'decoder.onnx': exported.decoder,
    'codes.f32': bytes(codes),
    'map.f32': bytes(map.xy),
    'metrics.jsonl': input.metrics,
  };
  if (labels) files['labels.i32'] = bytes(labels);
  if (image) files['thumbs.u8'] = thumbnails(test, n, image);

  const variance = unitVariances(codes, n, k);
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j]! += codes[i * k + j]! / n;
  const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => variance[b]! - variance[a]! || a - b);
  const labelCount = Math.max(model.numClasses, labels ? labels.reduce((a, l) => Math.max(a, l + 1), 0) : 0);
  const labelNames = Array.from({ length: labelCount }, (_, l) => test.classNames?.[l] ?? String(l));

  let prior: ExplorePrior = { kind: 'none' };
  const cfg = input.config;
  if (getFamily(model.family).hasPrior) {
    if ((cfg['prior'] === undefined || cfg['prior'] === 'normal') && cfg['conditional'] !== true) prior = { kind: 'normal' };
    else {
      const c = model.numClasses;
      const drawLabels = c > 0 ? Int32Array.from({ length: PRIOR_DRAWS }, (_, i) => i % c) : undefined;
      files['prior.f32'] = bytes(await codec.samplePrior(PRIOR_DRAWS, new Rng(`${seed}:explore-prior`), drawLabels));
      if (drawLabels) files['prior-labels.i32'] = bytes(drawLabels);
      prior = { kind: 'draws', file: 'prior.f32', count: PRIOR_DRAWS, labels: drawLabels ? 'prior-labels.i32' : null };
    }
  }
  const mixtureRows = Math.min(MIXTURE_ROWS, input.train.n);
  const trainPart: Dataset = { ...input.train, n: mixtureRows, x: input.train.x.subarray(0, mixtureRows * d), ...(input.train.labels && { labels: input.train.labels.subarray(0, mixtureRows) }) };
  const mixture = (await fitCodeMixture(codec, trainPart, seed)).toJSON();
  const manifest: ExploreManifest = {
    format: EXPLORE_FORMAT,
    latentkit: version,
    run: input.runName,
    family: model.family,
    inputShape: model.inputShape,
    latentDim: k,
    numClasses: model.numClasses,
    image,
    preprocess: {},
    code: exported.code === 'mu' ? 'mu' : 'z',
    model: { encoder: 'encoder.onnx', decoder: 'decoder.onnx', description: 'model.json', encoderOutputs: Object.keys(encoded) },
    points: { count: n, split: 'test', method: map.method, codes: 'codes.f32', xy: 'map.f32', labels: labels ? 'labels.i32' : null, thumbnails: image ? 'thumbs.u8' : null },
    plane: map.plane,
    labelNames,
    dims: { order, mean: Array.from(mean), std: Array.from(variance, (v) => Math.sqrt(v)) },
    prior,
    mixture,
    config: input.config,
    metrics: 'metrics.jsonl',
  };
  files['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest));
  return files;
}
