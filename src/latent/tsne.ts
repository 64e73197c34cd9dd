/**
 * Exact t-SNE (van der Maaten & Hinton 2008) with the O(n²) part of every iteration run by
 * ONNX Runtime: P is computed once in JS (tsne-affinities.ts); the gradient's n × n sums
 * (tsne-graph.ts) are split by P block into `threads` single-threaded programs that run
 * concurrently (onnxruntime-node runs sessions off the main thread); their [n, 3] partial sums
 * are added and the O(n) gradient and update are done in JS.
 *
 * Why not one multi-threaded program with the update in-graph and several iterations chained?
 * That was the first version: ~550 small ops per iteration at n = 5000, each split over the
 * intra-op threads with a barrier. On the shared 2-core box (load 5–6 from other jobs) its
 * 2-thread runs took 130–230 ms per iteration against 65 ms with 1 thread, because every
 * barrier waits for a descheduled thread; chaining 5 iterations per call saved < 10%.
 * Independent single-threaded sessions synchronise once per iteration instead.
 *
 * The optimisation follows sklearn's `TSNE(method='exact')` (and the paper's reference code):
 * - stage 1, `exaggerationIterations` (250) steps: P × `earlyExaggeration` (12), momentum 0.5;
 * - stage 2, the remaining steps: P × 1, momentum 0.8; the update and the gains restart
 *   (zeros and ones), as sklearn's second `_gradient_descent` call does;
 * - learning rate η = max(n / 12 / 4, 50) ('auto', sklearn ≥ 1.2); gains +0.2 / ×0.8, min 0.01;
 * - Y₀ ~ N(0, 10⁻⁴ I) from the seeded `Rng` (sklearn's init='random'; random rather than
 *   PCA init, so the seed matters); a fixed number of iterations (no early stop on the gradient
 *   norm), so runs are reproducible step for step.
 *
 * Cost: P needs n² k (distances) + ~7 n² exp evaluations in JS; every iteration ~5 n²/2
 * elementwise operations plus Gemms in ONNX Runtime; memory ~6 n² bytes (n = 5000: 150 MB).
 */
import { Graph, type Value } from '../graph/graph.js';
import { Rng } from '../nn/rng.js';
import { Program, type RuntimeBackend, type RuntimeOptions, type Tensor } from '../runtime/program.js';
import { conditionalAffinities, jointAffinities } from './tsne-affinities.js';
import { extractBlock, type PBlock, pBlocks, tsneForces } from './tsne-graph.js';

export interface TsneOptions {
  /** Effective number of neighbours (default 30; at most (n − 1)/3 is used). */
  readonly perplexity?: number;
  /** Gradient-descent iterations in total (default 750: 250 exaggerated + 500, openTSNE's defaults; sklearn runs 1000). */
  readonly iterations?: number;
  /** Factor on P during the first stage (default 12). */
  readonly earlyExaggeration?: number;
  /** Length of the first stage (default 250). */
  readonly exaggerationIterations?: number;
  /** η, or 'auto' = max(n / earlyExaggeration / 4, 50) (default). */
  readonly learningRate?: number | 'auto';
  /** Seed of Y₀ (default 0). */
  readonly seed?: number;
  /** Rows (and columns) of one P block in the graph (default 512). */
  readonly blockRows?: number;
  /** Progress: phase 'tsne affinities' (rows done of n), then 'tsne' (iterations done, every 10). */
  readonly onProgress?: (done: number, total: number, phase: string) => void;
  /** `threads` = programs run concurrently (default all cores), each single-threaded. */
  readonly runtime: RuntimeOptions;
}

export const TSNE_DEFAULTS = {
  perplexity: 30,
  iterations: 750,
  earlyExaggeration: 12,
  exaggerationIterations: 250,
  blockRows: 512,
} as const;

/** Momentum of stage 1 and stage 2. */
const MOMENTUM = [0.5, 0.8] as const;

/** sklearn's learning_rate='auto': max(n / earlyExaggeration / 4, 50). */
export function autoLearningRate(n: number, earlyExaggeration: number): number {
  return Math.max(n / earlyExaggeration / 4, 50);
}

/** Splits blocks into `parts` groups of about equal element count (largest first, greedy). */
export function partitionBlocks(blocks: readonly PBlock[], parts: number): PBlock[][] {
  const size = (b: PBlock): number => (b.rows[1] - b.rows[0]) * (b.cols[1] - b.cols[0]);
  const groups = Array.from({ length: Math.max(1, Math.min(parts, blocks.length)) }, () => ({ load: 0, blocks: [] as PBlock[] }));
  for (const b of [...blocks].sort((x, y) => size(y) - size(x))) {
    const g = groups.reduce((m, c) => (c.load < m.load ? c : m));
    g.blocks.push(b);
    g.load += size(b);
  }
  return groups.map((g) => g.blocks);
}

/** The summed t-SNE forces at one Y: attract and repel n × 3 ([Σ_j · y_j, Σ_j ·]), and Z. */
export interface Forces {
  readonly attract: Float64Array;
  readonly repel: Float64Array;
  readonly z: number;
}

/**
 * The n × n part of t-SNE for a fixed P: one single-threaded program per group of P blocks,
 * run concurrently; `forces(y)` adds their partial sums.
 */
export class TsneForceRunner {
  private constructor(
    readonly n: number,
    private readonly programs: readonly Program[],
    private readonly feeds: ReadonlyArray<Readonly<Record<string, Tensor>>>,
  ) {}

  /** Compiles `parts` programs over P (n × n, symmetric, zero diagonal) cut into `blockRows` blocks. */
  static async compile(p: Float32Array, n: number, blockRows: number, parts: number, backend: RuntimeBackend): Promise<TsneForceRunner> {
    const groups = partitionBlocks(pBlocks(n, blockRows), parts);
    const programs: Program[] = [];
    const feeds: Array<Record<string, Tensor>> = [];
    try {
      for (const [k, blocks] of groups.entries()) {
        const g = new Graph();
        const inputs = new Map<string, Value>();
        const feed: Record<string, Tensor> = {};
        for (const b of blocks) {
          const shape = [b.rows[1] - b.rows[0], b.cols[1] - b.cols[0]];
          inputs.set(b.name, g.input(b.name, shape));
          feed[b.name] = backend.float32(extractBlock(p, n, b), shape);
        }
        const f = tsneForces(g.input('y', [n, 2]), blockRows, inputs, blocks);
        programs.push(await Program.compile(`tsne.forces${k}`, { attract: f.attract, repel: f.repel, z: f.z }, { backend, threads: 1 }));
        feeds.push(feed);
      }
    } catch (e) {
      await Promise.all(programs.map((q) => q.release()));
      throw e;
    }
    return new TsneForceRunner(n, programs, feeds);
  }

  async forces(y: Float32Array): Promise<Forces> {
    const n = this.n;
    const yt = this.programs[0]!.tensor(y, [n, 2]);
    const outs = await Promise.all(this.programs.map((q, k) => q.run({ ...this.feeds[k]!, y: yt })));
    const attract = new Float64Array(n * 3);
    const repel = new Float64Array(n * 3);
    let z = 0;
    for (const o of outs) {
      const a = o['attract']!.data as Float32Array;
      const r = o['repel']!.data as Float32Array;
      for (let i = 0; i < n * 3; i++) {
        attract[i]! += a[i]!;
        repel[i]! += r[i]!;
      }
      z += (o['z']!.data as Float32Array)[0]!;
    }
    return { attract, repel, z };
  }

  async release(): Promise<void> {
    await Promise.all(this.programs.map((q) => q.release()));
  }
}

/**
 * ∂C/∂y_i = 4 Σ_j (α p_ij − q_ij) w_ij (y_i − y_j)
 *         = 4 [α (A_i2 y_i − A_i,01) − (R_i2 y_i − R_i,01) / Z]   (A = attract, R = repel)
 */
export function gradientFromForces(f: Forces, y: Float32Array, alpha: number): Float64Array {
  const n = y.length / 2;
  const grad = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      const yi = y[2 * i + c]!;
      const att = f.attract[3 * i + 2]! * yi - f.attract[3 * i + c]!;
      const rep = f.repel[3 * i + 2]! * yi - f.repel[3 * i + c]!;
      grad[2 * i + c] = 4 * (alpha * att - rep / f.z);
    }
  }
  return grad;
}

/** Positions, update (velocity) and gains, each n × 2; changed in place by `gradientStep`. */
export interface TsneState {
  readonly y: Float32Array;
  readonly update: Float64Array;
  readonly gains: Float64Array;
}

/**
 * One gradient-descent step as sklearn's `_gradient_descent` (and the reference tsne.m):
 *   gains ← gains + 0.2 where update · grad < 0, else gains · 0.8;  gains ← max(gains, 0.01)
 *   update ← momentum · update − lr · gains ∘ grad;  y ← y + update
 * then y is re-centred (t-SNE is translation invariant; centring keeps ‖y‖² small for the
 * float32 distance Gemm).
 */
export function gradientStep(s: TsneState, grad: Float64Array, momentum: number, lr: number, minGain = 0.01): void {
  const n = s.y.length / 2;
  const mean = [0, 0];
  for (let i = 0; i < n * 2; i++) {
    const g = grad[i]!;
    const gain = s.update[i]! * g < 0 ? s.gains[i]! + 0.2 : Math.max(s.gains[i]! * 0.8, minGain);
    s.gains[i] = gain;
    s.update[i] = momentum * s.update[i]! - lr * gain * g;
    s.y[i] = s.y[i]! + s.update[i]!;
    mean[i % 2]! += s.y[i]! / n;
  }
  for (let i = 0; i < n * 2; i++) s.y[i] = s.y[i]! - mean[i % 2]!;
}

/**
 * Embeds n points x (n × k, row-major, finite) in 2-D; returns Y, n × 2 row-major.
 * n = 1 gives the origin, n = 2 the points (∓½, 0).
 */
export async function tsne(x: Float32Array, n: number, k: number, opts: TsneOptions): Promise<Float32Array> {
  const o = { ...TSNE_DEFAULTS, ...stripUndefined(opts) };
  for (const [name, v] of Object.entries({ perplexity: o.perplexity, earlyExaggeration: o.earlyExaggeration })) {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`t-SNE: ${name} must be a positive number (got ${v})`);
  }
  for (const [name, v] of Object.entries({ iterations: o.iterations, exaggerationIterations: o.exaggerationIterations })) {
    if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`t-SNE: ${name} must be a non-negative integer (got ${v})`);
  }
  const lr = opts.learningRate === undefined || opts.learningRate === 'auto' ? autoLearningRate(n, o.earlyExaggeration) : opts.learningRate;
  if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`t-SNE: learningRate must be a positive number or 'auto' (got ${lr})`);
  const rng = new Rng(`tsne:${opts.seed ?? 0}`);
  let y: Float32Array = rng.fillNormal(new Float32Array(n * 2), 0, 1e-4);
  // One point: the origin. Two: one distance, nothing to lay out (and the exaggerated stage
  // oscillates without bound for a lone pair at the 'auto' rate of 50): (∓½, 0).
  if (n < 2) return new Float32Array(n * 2);
  if (n === 2) return Float32Array.of(-0.5, 0, 0.5, 0);

  const progress = opts.onProgress;
  const cond = conditionalAffinities(x, n, k, o.perplexity, progress && ((done) => progress(done, n, 'tsne affinities')));
  progress?.(n, n, 'tsne affinities');
  const p = jointAffinities(cond.p, n);
  const blockRows = Math.min(n, o.blockRows);
  const parts = opts.runtime.threads ?? opts.runtime.backend.availableThreads();
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`threads must be a positive integer (got ${parts})`);
  const runner = await TsneForceRunner.compile(p, n, blockRows, parts, opts.runtime.backend);

  const stage1 = Math.min(o.exaggerationIterations, o.iterations);
  const stages = [
    { steps: stage1, alpha: o.earlyExaggeration, momentum: MOMENTUM[0] },
    { steps: o.iterations - stage1, alpha: 1, momentum: MOMENTUM[1] },
  ];
  let done = 0;
  try {
    for (const stage of stages) {
      const state: TsneState = { y, update: new Float64Array(n * 2), gains: new Float64Array(n * 2).fill(1) };
      for (let s = 0; s < stage.steps; s++) {
        const grad = gradientFromForces(await runner.forces(y), y, stage.alpha);
        gradientStep(state, grad, stage.momentum, lr);
        done++;
        if (done % 10 === 0 || done === o.iterations) progress?.(done, o.iterations, 'tsne');
      }
    }
  } finally {
    await runner.release();
  }
  return y;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
