/**
 * 2-D projections of latent codes, the data behind `latentkit map`.
 *
 * codes: n × k row-major → xy: m × 2 row-major (m ≤ n rows, `indices` says which).
 *
 * Methods:
 * - `identity` (chosen by `auto`, never asked for): k = 2 codes are drawn as they are; k = 1
 *   codes are drawn on a line, (z, 0).
 * - `pca`: our `Pca` (pca.ts) with 2 components (1 when k = 1, y = 0): xy = W(z − μ).
 * - `umap`: umap-js, seeded (umap.ts).
 * - `tsne`: exact t-SNE with the gradient steps in ONNX Runtime (tsne.ts).
 * - `auto`: identity for k ≤ 2, UMAP for k > 2 (UMAP keeps both local neighbourhoods and more
 *   of the global layout than t-SNE, and projects twice as many codes as t-SNE within a minute here).
 *
 * Caps (`maxPoints`, defaults in `DEFAULT_MAX_POINTS`): with more rows than the cap, a
 * seeded uniform random subset of `maxPoints` rows is projected (indices ascending).
 * Defaults, with times from bench/projection.mjs on the shared 2-core dev box (load 5–8 from
 * other jobs, so an idle machine is faster):
 * - identity, PCA: no cap (PCA of 70k codes of dimension 20: 0.1 s);
 * - UMAP: 10,000 (10k codes of dimension 10: 26 s, of which k-NN 1.7 s, umap-js's fuzzy
 *   graph 8 s, 200 layout epochs 17 s; 20k codes took 92 s: k-NN 11 s, graph 27 s, layout 54 s);
 * - t-SNE: 5,000 (exact, O(n²) per iteration: 5k codes, 750 iterations: 56 s, of which P 3 s;
 *   ~70 ms per iteration at 5k, ~10 ms at 2k).
 * Same seed → identical output on the same machine (and the same `threads`).
 */
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { Pca } from './pca.js';
import { tsne } from './tsne.js';
import { umap } from './umap.js';

export const PROJECTION_METHODS = ['auto', 'pca', 'umap', 'tsne'] as const;
export type ProjectionMethod = (typeof PROJECTION_METHODS)[number];

export interface ProjectOptions {
  /** Default 'auto'. */
  readonly method?: ProjectionMethod;
  /** Seed of the subsample and of the method's random draws (default 0); same seed → identical output. */
  readonly seed?: number;
  /** Most rows projected (seeded random subsample); default per method, `DEFAULT_MAX_POINTS`. */
  readonly maxPoints?: number;
  /** UMAP optimisation epochs (default: umap-js's, by n: 500 below 2,500 points … 200 above 7,500). */
  readonly umapEpochs?: number;
  /** Progress for a CLI bar: (done, total, phase), phases named by the method. */
  readonly onProgress?: (done: number, total: number, phase: string) => void;
  readonly runtime: RuntimeOptions;
}

export interface Projection {
  /** m × 2, row-major. */
  readonly xy: Float32Array;
  /** Which of the n input rows each output row is (m ≤ n), ascending. */
  readonly indices: Int32Array;
  readonly method: 'identity' | 'pca' | 'umap' | 'tsne';
}

/** Default `maxPoints` per resolved method. */
export const DEFAULT_MAX_POINTS: Readonly<Record<Projection['method'], number>> = {
  identity: Infinity,
  pca: Infinity,
  umap: 10_000,
  tsne: 5_000,
};

/** Validates a `--method` value. */
export function parseProjectionMethod(s: string): ProjectionMethod {
  if ((PROJECTION_METHODS as readonly string[]).includes(s)) return s as ProjectionMethod;
  throw new UsageError(`--method must be one of ${PROJECTION_METHODS.join(', ')} (got ${s})`);
}

/** The method `auto` resolves to for k-dimensional codes. */
export function resolveMethod(method: ProjectionMethod, k: number): Projection['method'] {
  if (method !== 'auto') return method;
  return k <= 2 ? 'identity' : 'umap';
}

/** Projects n codes of dimension k (row-major `codes`) to 2-D. */
export async function project2d(codes: Float32Array, n: number, k: number, opts: ProjectOptions): Promise<Projection> {
  const method = resolveMethod(parseProjectionMethod(opts.method ?? 'auto'), k);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`no codes to project: n must be a positive integer (got ${n})`);
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`code dimension k must be a positive integer (got ${k})`);
  if (codes.length !== n * k) throw new UsageError(`codes hold ${codes.length} values, expected n × k = ${n} × ${k} = ${n * k}`);
  for (let i = 0; i < codes.length; i++) {
    const v = codes[i]!;
    if (!Number.isFinite(v)) throw new DataError(`code row ${Math.floor(i / k)}, dimension ${i % k} is ${v}; codes must be finite (did training diverge?)`);
  }
  const cap = opts.maxPoints ?? DEFAULT_MAX_POINTS[method];
  if (!(cap === Infinity || (Number.isInteger(cap) && cap >= 1))) throw new UsageError(`--max-points must be a positive integer (got ${cap})`);
  const seed = opts.seed ?? 0;
  if (!Number.isFinite(seed)) throw new UsageError(`--seed must be a number (got ${seed})`);

  const indices = n > cap ? subsample(n, cap, new Rng(`projection-subsample:${seed}`)) : Int32Array.from({ length: n }, (_, i) => i);
  const m = indices.length;
  const x = m === n ? codes : gatherRows(codes, k, indices);
  const progress = opts.onProgress;
  let xy: Float32Array;
  switch (method) {
    case 'identity':
      xy = k === 2 ? x.slice() : lift(x, m, k);
      break;
    case 'pca': {
      progress?.(0, 1, 'pca');
      const data: Dataset = { name: 'codes', n: m, sampleShape: [k], x };
      const pca = await Pca.fit(data, Math.min(2, k), opts.runtime);
      xy = lift(pca.project(x, m), m, pca.k);
      progress?.(1, 1, 'pca');
      break;
    }
    case 'umap':
      xy = await umap(x, m, k, { seed, ...(opts.umapEpochs !== undefined && { epochs: opts.umapEpochs }), ...(progress && { onProgress: progress }), runtime: opts.runtime });
      break;
    case 'tsne':
      xy = await tsne(x, m, k, { seed, ...(progress && { onProgress: progress }), runtime: opts.runtime });
      break;
  }
  return { xy, indices, method };
}

/** m distinct rows of 0..n−1, uniformly at random, ascending. */
function subsample(n: number, m: number, rng: Rng): Int32Array {
  return rng.permutation(n).subarray(0, m).sort();
}

function gatherRows(x: Float32Array, k: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, i) => out.set(x.subarray(r * k, (r + 1) * k), i * k));
  return out;
}

/** n × c (c ≤ 2) → n × 2, with zeros in the missing columns; c = 2 is copied as is. */
function lift(x: Float32Array, n: number, c: number): Float32Array {
  if (c === 2) return x;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) out[i * 2] = x[i * c]!;
  return out;
}
