/**
 * Exact t-SNE (van der Maaten & Hinton 2008) with the O(n²) gradient steps run by ONNX
 * Runtime: P is computed once in JS (tsne-affinities.ts), each gradient-descent iteration
 * is a graph (tsne-graph.ts), and `stepsPerRun` iterations are chained in one graph so
 * one `Program.run` advances Y, the update (velocity) and the gains by several steps.
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
import { Program, type RuntimeOptions, Tensor } from '../runtime/program.js';
import { conditionalAffinities, jointAffinities } from './tsne-affinities.js';
import { extractBlock, pBlocks, type TsneState, tsneGradient, tsneStep } from './tsne-graph.js';

export interface TsneOptions {
  /** Effective number of neighbours (default 30; at most (n − 1)/3 is used). */
  readonly perplexity?: number;
  /** Gradient-descent iterations in total (default 1000, as sklearn). */
  readonly iterations?: number;
  /** Factor on P during the first stage (default 12). */
  readonly earlyExaggeration?: number;
  /** Length of the first stage (default 250). */
  readonly exaggerationIterations?: number;
  /** η, or 'auto' = max(n / earlyExaggeration / 4, 50) (default). */
  readonly learningRate?: number | 'auto';
  /** Seed of Y₀ (default 0). */
  readonly seed?: number;
  /** Rows (and columns) of one P block in the graph (default 1000). */
  readonly blockRows?: number;
  /** Most iterations chained into one ONNX Runtime call (default 5; the largest divisor of both stage lengths up to this is used). */
  readonly stepsPerRun?: number;
  /** Progress: phase 'tsne affinities' (rows done of n), then 'tsne' (iterations done). */
  readonly onProgress?: (done: number, total: number, phase: string) => void;
  readonly runtime?: RuntimeOptions;
}

export const TSNE_DEFAULTS = {
  perplexity: 30,
  iterations: 1000,
  earlyExaggeration: 12,
  exaggerationIterations: 250,
  blockRows: 1000,
  stepsPerRun: 5,
} as const;

/** Momentum of stage 1 and stage 2. */
const MOMENTUM = [0.5, 0.8] as const;

/** sklearn's learning_rate='auto': max(n / earlyExaggeration / 4, 50). */
export function autoLearningRate(n: number, earlyExaggeration: number): number {
  return Math.max(n / earlyExaggeration / 4, 50);
}

/** The largest d ≤ max dividing every given length (lengths of 0 divide anything). */
function chainLength(max: number, lengths: readonly number[]): number {
  for (let d = Math.max(1, Math.floor(max)); d > 1; d--) if (lengths.every((l) => l % d === 0)) return d;
  return 1;
}

/** A compiled chain of `steps` t-SNE iterations: inputs y, update, gains, alpha, momentum, lr and the P blocks. */
async function compileChain(n: number, blockRows: number, steps: number, runtime: RuntimeOptions): Promise<Program> {
  const g = new Graph();
  const p = new Map<string, Value>(pBlocks(n, blockRows).map((b) => [b.name, g.input(b.name, [b.rows[1] - b.rows[0], b.cols[1] - b.cols[0]])]));
  const alpha = g.input('alpha', []);
  const momentum = g.input('momentum', []);
  const lr = g.input('lr', []);
  let s: TsneState = { y: g.input('y', [n, 2]), update: g.input('update', [n, 2]), gains: g.input('gains', [n, 2]) };
  for (let i = 0; i < steps; i++) s = tsneStep(s, tsneGradient(s.y, blockRows, p, alpha).grad, momentum, lr);
  return Program.compile(`tsne.chain${steps}`, { y_next: s.y, update_next: s.update, gains_next: s.gains }, runtime);
}

/**
 * Embeds n points x (n × k, row-major, finite) in 2-D; returns Y, n × 2 row-major.
 * n = 1 gives the origin.
 */
export async function tsne(x: Float32Array, n: number, k: number, opts: TsneOptions = {}): Promise<Float32Array> {
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
  if (n < 2) return new Float32Array(n * 2);

  const progress = opts.onProgress;
  const cond = conditionalAffinities(x, n, k, o.perplexity, progress && ((done) => progress(done, n, 'tsne affinities')));
  progress?.(n, n, 'tsne affinities');
  const p = jointAffinities(cond.p, n);
  const blockRows = Math.min(n, o.blockRows);
  const feeds: Record<string, Tensor> = {};
  for (const b of pBlocks(n, blockRows)) feeds[b.name] = new Tensor('float32', extractBlock(p, n, b), [b.rows[1] - b.rows[0], b.cols[1] - b.cols[0]]);

  const stage1 = Math.min(o.exaggerationIterations, o.iterations);
  const stages = [
    { steps: stage1, alpha: o.earlyExaggeration, momentum: MOMENTUM[0] },
    { steps: o.iterations - stage1, alpha: 1, momentum: MOMENTUM[1] },
  ].filter((s) => s.steps > 0);
  const chain = chainLength(o.stepsPerRun, stages.map((s) => s.steps));
  const runtime = opts.runtime ?? {};
  const program = await compileChain(n, blockRows, chain, runtime);
  const scalar = (v: number): Tensor => new Tensor('float32', Float32Array.of(v), []);
  let done = 0;
  try {
    for (const stage of stages) {
      let update: Float32Array = new Float32Array(n * 2);
      let gains: Float32Array = new Float32Array(n * 2).fill(1);
      const fixed = { alpha: scalar(stage.alpha), momentum: scalar(stage.momentum), lr: scalar(lr) };
      for (let s = 0; s < stage.steps; s += chain) {
        const out = await program.run({
          ...feeds,
          ...fixed,
          y: new Tensor('float32', y, [n, 2]),
          update: new Tensor('float32', update, [n, 2]),
          gains: new Tensor('float32', gains, [n, 2]),
        });
        y = out['y_next']!.data as Float32Array;
        update = out['update_next']!.data as Float32Array;
        gains = out['gains_next']!.data as Float32Array;
        done += chain;
        progress?.(done, o.iterations, 'tsne');
      }
    }
  } finally {
    await program.release();
  }
  return y;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
