/**
 * UMAP (McInnes, Healy & Melville 2018) to 2-D through `umap-js`, seeded.
 *
 * umap-js draws every random number (random-projection forest, NN-descent, the initial
 * embedding U(−10, 10)², negative sampling) from the `random` function it is given; we give
 * it our seeded `Rng`, so the same seed gives the same embedding. The k-NN graph and the
 * fuzzy simplicial set are built in one synchronous call (`initializeFit`); the layout is then
 * optimised epoch by epoch (`step`), which is where progress is reported.
 *
 * Parameters are umap-js's (and the reference implementation's) defaults: 15 neighbours,
 * min_dist 0.1, spread 1, Euclidean distance; epochs 500 for n ≤ 2500, 400 ≤ 5000,
 * 300 ≤ 7500, else 200.
 */
import { UMAP } from 'umap-js';
import { Rng } from '../nn/rng.js';

export interface UmapOptions {
  /** Neighbours of the k-NN graph (default 15; at most n − 1 are used). */
  readonly nNeighbors?: number;
  /** Minimum distance between embedded points (default 0.1). */
  readonly minDist?: number;
  /** Optimisation epochs (default: umap-js's, by n). */
  readonly epochs?: number;
  /** Seed of every random draw (default 0). */
  readonly seed?: number;
  /** Progress: phase 'umap neighbours' (0 or 1 of 1), then 'umap' (epochs done). */
  readonly onProgress?: (done: number, total: number, phase: string) => void;
}

export const UMAP_DEFAULT_NEIGHBORS = 15;

/** Epochs between yields to the event loop (so a progress bar can redraw). */
const YIELD_EVERY = 10;

/**
 * Embeds n points x (n × k, row-major, finite) in 2-D; returns Y, n × 2 row-major.
 * n ≤ 2 has no neighbourhood graph: the points are placed at (0, 0) and (1, 0).
 */
export async function umap(x: Float32Array, n: number, k: number, opts: UmapOptions = {}): Promise<Float32Array> {
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
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.subarray(i * k, (i + 1) * k)));
  opts.onProgress?.(0, 1, 'umap neighbours');
  const epochs = model.initializeFit(rows);
  opts.onProgress?.(1, 1, 'umap neighbours');
  for (let e = 0; e < epochs; ) {
    e = model.step();
    if (e % YIELD_EVERY === 0 || e === epochs) {
      opts.onProgress?.(e, epochs, 'umap');
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
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
