/**
 * The explorer bundle of a run trained in the page: the files `latentkit explore` builds in Node
 * (workflow/explore-bundle.ts; names and layout in workflow/explore-manifest.ts), made in the
 * worker from the trained model, so the explorer's own views (map, sliders, interpolation,
 * sampling, attribute vectors, drawing, model card) open on it without a server round trip.
 *
 * Same choices as the Node bundle, on the test split: the codes (μ for VAEs) of its first
 * {@link MAP_POINTS} rows; a 2-D latent drawn as it is, a wider one on its PCA plane
 * (latent-map.ts); sliders ordered by Var(code); the prior N(0, I) where that is the model's
 * prior, else draws of its prior graph, and the thumbnails as Node makes them
 * (workflow/explore-pieces.ts); a Gaussian mixture fitted to the training codes
 * (workflow/prior-codes.ts `fitCodeMixture`).
 */
import type { Dataset } from '../../../src/data/dataset.js';
import type { Codec } from '../../../src/latent/codec.js';
import { fitCodeMixture } from '../../../src/browser.js';
import { labelNamesFor, MIXTURE_MAX_CODES, pagePrior, sliderDims, thumbnailBytes } from '../../../src/workflow/explore-pieces.js';
import { EXPLORE_FORMAT, type ExploreImage, type ExploreManifest } from '../../../src/workflow/explore-manifest.js';
import { version } from '../../../package.json';
import { mapOf } from './latent-map.js';
import type { ExportedModel } from './protocol.js';

export const MAP_POINTS = 1000;

const bytes = (a: Float32Array | Int32Array | Uint8Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** The image layout of samples [C, H, W] (C = 1 or 3), or null. */
export function imageOf(shape: readonly number[]): ExploreImage | null {
  return shape.length === 3 && (shape[0] === 1 || shape[0] === 3) ? { channels: shape[0] as 1 | 3, height: shape[1]!, width: shape[2]! } : null;
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
  if (image) files['thumbs.u8'] = thumbnailBytes(test.x, Int32Array.from({ length: n }, (_, i) => i), image, {});

  const labelNames = labelNamesFor(model.numClasses, labels, test.classNames);

  const { prior, files: priorFiles } = await pagePrior(codec, { ...input.config, family: model.family }, seed);
  Object.assign(files, priorFiles);
  const mixtureRows = Math.min(MIXTURE_MAX_CODES, input.train.n);
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
    dims: sliderDims(codes, n, k),
    prior,
    mixture,
    config: input.config,
    metrics: 'metrics.jsonl',
  };
  files['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest));
  return files;
}
