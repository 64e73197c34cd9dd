/**
 * The parts of an explorer bundle (explore-manifest.ts) made the same way by `latentkit explore`
 * in Node (explore-bundle.ts) and by the Train tab in the page (web/src/train/explore-files.ts):
 * the thumbnails' display bytes, the prior the page samples, and the mixture's row budget.
 * Portable: no Node module, so the page bundles it.
 */
import { unitVariances } from '../latent/active-units.js';
import type { Codec } from '../latent/codec.js';
import { getFamily } from '../models/registry.js';
import { Rng } from '../nn/rng.js';
import type { ExploreImage, ExploreManifest, ExplorePreprocess, ExplorePrior } from './explore-manifest.js';

/** Codes drawn from the model's prior graph for the page (kind `draws`). */
export const PRIOR_DRAWS = 2048;

/**
 * Training codes the page's mixture is fitted to, at most. `sample` fits to 10,000
 * (prior-codes.ts GMM_MAX_CODES): 4.1 s of the reference VAE's cold explorer start on the
 * loaded 2-core dev box, against 0.4 s for 2,000; here the mixture only draws samples.
 */
export const MIXTURE_MAX_CODES = 2000;

/**
 * Each row of x (CHW floats in data space after the run's transforms) as display bytes, HWC:
 * standardised data is mapped back by x·σ + μ, then clamp(x, 0, 1)·255, rounded.
 */
export function thumbnailBytes(x: Float32Array, rows: Int32Array, image: ExploreImage, pre: ExplorePreprocess): Uint8Array {
  const { channels: c, height: h, width: w } = image;
  const d = c * h * w;
  const out = new Uint8Array(rows.length * d);
  const mean = pre.standardize?.mean;
  const std = pre.standardize?.std;
  rows.forEach((r, i) => {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) {
        const f = ch * h * w + p;
        let v = x[r * d + f]!;
        if (mean && std) v = v * std[f]! + mean[f]!;
        out[i * d + p * c + ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  });
  return out;
}

/**
 * The prior the page samples and the files it needs: none for families without a prior; N(0, I),
 * drawn in the page, where that is the model's prior; else {@link PRIOR_DRAWS} codes drawn from
 * the model's prior graph (seeded `${seed}:explore-prior`; class i mod C for conditional models)
 * as `prior.f32` (and `prior-labels.i32`).
 */
export async function pagePrior(codec: Codec, config: Readonly<Record<string, unknown>> & { readonly family: string }, seed: number): Promise<{ prior: ExplorePrior; files: Record<string, Uint8Array> }> {
  if (!getFamily(config.family).hasPrior) return { prior: { kind: 'none' }, files: {} };
  const normal = config['prior'] === undefined || config['prior'] === 'normal';
  if (normal && config['conditional'] !== true) return { prior: { kind: 'normal' }, files: {} };
  const c = codec.model.numClasses;
  const labels = c > 0 ? Int32Array.from({ length: PRIOR_DRAWS }, (_, i) => i % c) : undefined;
  const z = await codec.samplePrior(PRIOR_DRAWS, new Rng(`${seed}:explore-prior`), labels);
  const files: Record<string, Uint8Array> = { 'prior.f32': bytesOf(z) };
  if (labels) files['prior-labels.i32'] = bytesOf(labels);
  return { prior: { kind: 'draws', file: 'prior.f32', count: PRIOR_DRAWS, labels: labels ? 'prior-labels.i32' : null }, files };
}

/**
 * The sliders' dimensions for `m` codes of width `k`: ordered by activity Var(code) (most active
 * first, ties by index), with each dimension's mean and standard deviation over the codes.
 */
export function sliderDims(codes: Float32Array, m: number, k: number): ExploreManifest['dims'] {
  const variance = unitVariances(codes, m, k);
  const mean = new Float64Array(k);
  for (let i = 0; i < m; i++) for (let d = 0; d < k; d++) mean[d]! += codes[i * k + d]! / m;
  const order = Array.from({ length: k }, (_, d) => d).sort((a, b) => variance[b]! - variance[a]! || a - b);
  return { order, mean: Array.from(mean), std: Array.from(variance, (v) => Math.sqrt(v)) };
}

/** A name per class: the model's classes or, if more, those the labels show; the data's class names, else the ids. */
export function labelNamesFor(numClasses: number, labels: Int32Array | null, classNames: readonly string[] | undefined): string[] {
  const count = Math.max(numClasses, labels ? labels.reduce((a, l) => Math.max(a, l + 1), 0) : 0);
  return Array.from({ length: count }, (_, l) => classNames?.[l] ?? String(l));
}

function bytesOf(a: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
