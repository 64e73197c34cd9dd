/**
 * A k-nearest-neighbour classifier over row-major Float32Array features (Euclidean distance).
 *
 * Distances come from ONE ONNX Gemm per block of queries a [B, D] against the reference
 * rows b [N, D]:
 *   ‖a − b‖² = ‖a‖² − 2 a·b + ‖b‖²,   Gemm: S = a · (−2b)ᵀ + ‖b‖²   → S [B, N]
 * The −2 is folded into the stored reference (exact in float32: a power of two) and ‖b‖²
 * is the Gemm's bias row [1, N]. ‖a‖² is the same for every neighbour of a query, so it
 * cannot change the ranking; it is added back in JS only for the k distances returned by
 * `neighbors`. Blocks hold at most ~16M distances (64 MB), e.g. 273 queries × 60k rows.
 *
 * Selection and vote run in JS: the k smallest (distance, reference index) pairs of each
 * row (so equal distances go to the lower index), then a majority vote over their labels;
 * a tie between classes goes to the class of the nearest neighbour among the tied classes.
 */
import { Graph } from '../graph/graph.js';
import * as op from '../graph/ops.js';
import { UsageError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { Program, type RuntimeOptions, type Tensor } from '../runtime/program.js';

export interface KnnOptions {
  /** Neighbours that vote (default 5). */
  readonly k?: number;
  readonly runtime: RuntimeOptions;
  /** Keep at most this many reference rows, a seeded random subset in index order (default: all). */
  readonly maxTrain?: number;
  /** Seed of the `maxTrain` subset (default 0). */
  readonly seed?: number;
  /** Upper bound on distances per Gemm call, blockRows × N (default 2²⁴ ≈ 16.8M, 64 MB). */
  readonly maxBlockEntries?: number;
}

/** Default number of voting neighbours. */
export const DEFAULT_KNN_K = 5;
const DEFAULT_MAX_BLOCK_ENTRIES = 1 << 24;

/** The k nearest reference rows of m queries: indices into the rows given to `fit`, m × k, nearest first. */
export interface Neighbours {
  readonly k: number;
  readonly indices: Int32Array;
  /** Squared Euclidean distances, m × k. */
  readonly distances: Float32Array;
}

export class KnnClassifier {
  private constructor(
    readonly k: number,
    readonly dim: number,
    readonly numClasses: number,
    /** Reference rows kept (after `maxTrain`). */
    readonly n: number,
    /** Per kept reference row: its row index in the data given to `fit`. */
    private readonly refIndex: Int32Array,
    private readonly refLabels: Int32Array,
    /** −2b, N × D. */
    private readonly refScaled: Tensor,
    /** ‖b‖², 1 × N. */
    private readonly refNorms: Tensor,
    private readonly program: Program,
    private readonly maxBlockEntries: number,
  ) {}

  /** Stores the reference set (`n` rows of `d` features with labels in [0, numClasses)) and compiles the distance program. */
  static async fit(x: Float32Array, n: number, d: number, labels: Int32Array, numClasses: number, opts: KnnOptions): Promise<KnnClassifier> {
    const k = opts.k ?? DEFAULT_KNN_K;
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) throw new RangeError(`kNN: n and d must be positive integers (got ${n}, ${d})`);
    if (x.length !== n * d) throw new RangeError(`kNN: expected ${n * d} values for ${n} rows of ${d}, got ${x.length}`);
    if (labels.length !== n) throw new RangeError(`kNN: ${labels.length} labels for ${n} rows`);
    checkFinite(x, d, 'reference');
    for (let i = 0; i < n; i++) {
      const l = labels[i]!;
      if (!(l >= 0 && l < numClasses)) throw new RangeError(`kNN: label ${l} of row ${i} is outside [0, ${numClasses})`);
    }
    const maxTrain = opts.maxTrain ?? n;
    if (!Number.isInteger(maxTrain) || maxTrain < 1) throw new UsageError(`kNN: maxTrain must be a positive integer (got ${maxTrain})`);
    const refIndex = maxTrain >= n ? Int32Array.from({ length: n }, (_, i) => i) : new Rng(`${opts.seed ?? 0}:knn`).permutation(n).subarray(0, maxTrain).sort();
    const m = refIndex.length;
    if (!Number.isInteger(k) || k < 1 || k > m) throw new UsageError(`kNN: k must be an integer in [1, ${m}] (the reference rows kept), got ${k}`);
    const scaled = new Float32Array(m * d);
    const norms = new Float32Array(m);
    const refLabels = new Int32Array(m);
    for (let r = 0; r < m; r++) {
      const src = refIndex[r]! * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = x[src + j]!;
        s += v * v;
        scaled[r * d + j] = -2 * v;
      }
      norms[r] = s;
      refLabels[r] = labels[refIndex[r]!]!;
    }
    const g = new Graph();
    const q = g.input('q', ['B', d]);
    const b = g.input('b', ['N', d]);
    const bb = g.input('bb', [1, 'N']);
    const program = await Program.compile('knn.distances', { s: op.gemm(q, b, bb, { transB: true }) }, opts.runtime);
    return new KnnClassifier(k, d, numClasses, m, refIndex, refLabels, program.tensor(scaled, [m, d]), program.tensor(norms, [1, m]), program, opts.maxBlockEntries ?? DEFAULT_MAX_BLOCK_ENTRIES);
  }

  /**
   * Calls `visit(row, scores)` for every query row, block by block; `scores[j]` is
   * ‖b_j‖² − 2 a·b_j (the squared distance minus ‖a‖²). `scores` is reused between blocks.
   */
  private async scan(x: Float32Array, m: number, visit: (row: number, scores: Float32Array) => void): Promise<void> {
    const { dim: d, n } = this;
    if (!Number.isInteger(m) || m < 0 || x.length !== m * d) throw new RangeError(`kNN: expected ${m * d} values for ${m} queries of ${d}, got ${x.length}`);
    checkFinite(x, d, 'query');
    const block = Math.max(1, Math.min(m, Math.floor(this.maxBlockEntries / n)));
    const full = this.program.tensor(new Float32Array(block * n), [block, n]);
    for (let s = 0; s < m; s += block) {
      const count = Math.min(block, m - s);
      const feeds = { q: this.program.tensor(x.subarray(s * d, (s + count) * d), [count, d]), b: this.refScaled, bb: this.refNorms };
      const out = count === block ? await this.program.run(feeds, { s: full }) : await this.program.run(feeds);
      const scores = out['s']!.data as Float32Array;
      for (let r = 0; r < count; r++) visit(s + r, scores.subarray(r * n, (r + 1) * n));
    }
  }

  /** The k nearest reference rows of each of `m` queries (row-major m × dim), nearest first. */
  async neighbors(x: Float32Array, m: number): Promise<Neighbours> {
    const { k, dim: d } = this;
    const indices = new Int32Array(m * k);
    const distances = new Float32Array(m * k);
    const sel = new TopK(k);
    await this.scan(x, m, (row, scores) => {
      sel.select(scores);
      let qq = 0;
      for (let j = 0; j < d; j++) qq += x[row * d + j]! ** 2;
      for (let i = 0; i < k; i++) {
        indices[row * k + i] = this.refIndex[sel.index[i]!]!;
        distances[row * k + i] = Math.max(0, sel.score[i]! + qq);
      }
    });
    return { k, indices, distances };
  }

  /** Predicted class of each of `m` queries (row-major m × dim). */
  async predict(x: Float32Array, m: number): Promise<Int32Array> {
    const out = new Int32Array(m);
    const sel = new TopK(this.k);
    const counts = new Int32Array(this.numClasses);
    await this.scan(x, m, (row, scores) => {
      sel.select(scores);
      out[row] = vote(sel.index, this.refLabels, counts);
    });
    return out;
  }

  /** Share of `m` queries whose predicted class equals their label, in [0, 1]. */
  async accuracy(x: Float32Array, m: number, labels: Int32Array): Promise<number> {
    if (labels.length !== m) throw new RangeError(`kNN: ${labels.length} labels for ${m} queries`);
    if (m === 0) return Number.NaN;
    const pred = await this.predict(x, m);
    let hits = 0;
    for (let i = 0; i < m; i++) if (pred[i] === labels[i]) hits++;
    return hits / m;
  }

  async release(): Promise<void> {
    await this.program.release();
  }
}

/** Selection of the k smallest (score, index) pairs of a row, ties to the lower index. */
class TopK {
  readonly score: Float64Array;
  readonly index: Int32Array;
  constructor(readonly k: number) {
    this.score = new Float64Array(k);
    this.index = new Int32Array(k);
  }

  select(row: Float32Array): void {
    const { k, score, index } = this;
    score.fill(Number.POSITIVE_INFINITY);
    index.fill(-1);
    let worst = Number.POSITIVE_INFINITY;
    let filled = 0;
    for (let j = 0; j < row.length; j++) {
      const v = row[j]!;
      // Strict `<` keeps the earlier index on equal scores; fill the first k unconditionally.
      if (v < worst || filled < k) {
        let p = filled < k ? filled++ : k - 1;
        while (p > 0 && score[p - 1]! > v) {
          score[p] = score[p - 1]!;
          index[p] = index[p - 1]!;
          p--;
        }
        score[p] = v;
        index[p] = j;
        worst = filled < k ? Number.POSITIVE_INFINITY : score[k - 1]!;
      }
    }
  }
}

/** Majority label of the neighbours `idx` (nearest first); ties go to the nearest neighbour's class among the tied. */
function vote(idx: Int32Array, labels: Int32Array, counts: Int32Array): number {
  counts.fill(0);
  let top = 0;
  for (let i = 0; i < idx.length; i++) {
    const c = ++counts[labels[idx[i]!]!]!;
    if (c > top) top = c;
  }
  for (let i = 0; i < idx.length; i++) {
    const l = labels[idx[i]!]!;
    if (counts[l] === top) return l;
  }
  return labels[idx[0]!]!;
}

function checkFinite(x: Float32Array, d: number, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new RangeError(`kNN: ${what} row ${Math.floor(i / d)}, feature ${i % d} is ${x[i]} (features must be finite)`);
  }
}
