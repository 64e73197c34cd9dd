/**
 * UMAP (McInnes, Healy & Melville 2018) to 2-D through `umap-js`, seeded.
 *
 * The k nearest neighbours are exact, from our Gemm k-NN (knn.ts, ONNX Runtime), handed to
 * umap-js with `setPrecomputedKNN` (as umap-learn does below 4096 points): at 10k codes this
 * replaces umap-js's JS random-projection-forest + NN-descent search (~6 s, approximate) by
 * ~1 s of exact search. umap-js then builds the fuzzy simplicial set (one synchronous call,
 * `initializeFit`) and optimises the layout epoch by epoch (`step`, where progress is reported).
 * It draws every random number (the initial embedding U(−10, 10)², negative sampling) from the
 * `random` function it is given: our seeded `Rng`, so the same seed gives the same embedding.
 *
 * Parameters are umap-js's (and the reference implementation's) defaults: 15 neighbours,
 * min_dist 0.1, spread 1, Euclidean distance; epochs 500 for n ≤ 2500, 400 ≤ 5000,
 * 300 ≤ 7500, else 200.
 */
import { UMAP } from 'umap-js';
import { Rng } from '../nn/rng.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { KnnClassifier } from './knn.js';

export interface UmapOptions {
  /** Neighbours of the k-NN graph (default 15; at most n − 1 are used). */
  readonly nNeighbors?: number;
  /** Minimum distance between embedded points (default 0.1). */
  readonly minDist?: number;
  /** Optimisation epochs (default: umap-js's, by n). */
  readonly epochs?: number;
  /** Seed of every random draw (default 0). */
  readonly seed?: number;
  /** Progress: phases 'umap neighbours' and 'umap graph' (0 or 1 of 1), then 'umap' (epochs done). */
  readonly onProgress?: (done: number, total: number, phase: string) => void;
  /** For the k-NN search. */
  readonly runtime: RuntimeOptions;
}

export const UMAP_DEFAULT_NEIGHBORS = 15;

/** Epochs between yields to the event loop (so a progress bar can redraw). */
const YIELD_EVERY = 10;

/**
 * Embeds n points x (n × k, row-major, finite) in 2-D; returns Y, n × 2 row-major.
 * n ≤ 2 has no neighbourhood graph: the points are placed at (0, 0) and (1, 0).
 */
export async function umap(x: Float32Array, n: number, k: number, opts: UmapOptions): Promise<Float32Array> {
  if (n <= 2) return Float32Array.from({ length: n * 2 }, (_, i) => (i === 2 ? 1 : 0));
  const rng = new Rng(`umap:${opts.seed ?? 0}`);
  const nNeighbors = Math.min(opts.nNeighbors ?? UMAP_DEFAULT_NEIGHBORS, n - 1);
  const model = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: opts.minDist ?? 0.1,
    ...(opts.epochs !== undefined && { nEpochs: opts.epochs }),
    random: () => rng.uniform(),
  });
  opts.onProgress?.(0, 1, 'umap neighbours');
  const knn = await KnnClassifier.fit(x, n, k, new Int32Array(n), 1, { k: nNeighbors, runtime: opts.runtime });
  const nb = await knn.neighbors(x, n).finally(() => knn.release());
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    indices.push(Array.from(nb.indices.subarray(i * nNeighbors, (i + 1) * nNeighbors)));
    distances.push(Array.from(nb.distances.subarray(i * nNeighbors, (i + 1) * nNeighbors), Math.sqrt)); // umap-js: Euclidean, not squared
  }
  model.setPrecomputedKNN(indices, distances);
  opts.onProgress?.(1, 1, 'umap neighbours');
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.subarray(i * k, (i + 1) * k)));
  opts.onProgress?.(0, 1, 'umap graph');
  await yieldToEventLoop();
  const epochs = model.initializeFit(rows);
  opts.onProgress?.(1, 1, 'umap graph');
  for (let e = 0; e < epochs; ) {
    e = model.step();
    if (e % YIELD_EVERY === 0 || e === epochs) {
      opts.onProgress?.(e, epochs, 'umap');
      await yieldToEventLoop();
    }
  }
  const emb = model.getEmbedding();
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    y[i * 2] = emb[i]![0]!;
    y[i * 2 + 1] = emb[i]![1]!;
  }
  return y;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}
