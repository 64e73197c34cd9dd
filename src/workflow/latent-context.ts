/**
 * What every latent-space job needs of a trained run: the model and its codec (compiled
 * encoder/decoder over the checkpoint's weights), the run's data split, the image layout of
 * one sample, and the codes of a split (μ for VAEs). Jobs validate their arguments against
 * this context before they write anything.
 */
import type { Dataset, Split } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import type { Codec } from '../latent/codec.js';
import { codeStats, type CodeStats } from '../latent/code-stats.js';
import { nodeRuntime, type NodeRuntimeOptions } from '../runtime/node.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { imageLayout, type ImageLayout } from '../viz/image-layout.js';
import { loadRun, openCodec, type LoadedRun } from './load-run.js';
import { loadRunSplit } from './run-split.js';

export type SplitName = 'train' | 'test';

/** Codes of one split: `z` (the code maps and decoding use) and, for VAEs, μ and log σ². */
export interface SplitCodes {
  readonly split: SplitName;
  readonly data: Dataset;
  readonly n: number;
  readonly k: number;
  readonly z: Float32Array;
  /** The posterior, for models with a Gaussian encoder. */
  readonly posterior?: { readonly mu: Float32Array; readonly logVar: Float32Array };
  readonly stats: CodeStats;
}

export interface LatentContext {
  readonly dir: string;
  readonly run: LoadedRun;
  readonly codec: Codec;
  readonly data: Split;
  /** Image layout of one sample, or null when samples are not images. */
  readonly layout: ImageLayout | null;
  /** Whether the model's prior is N(0, I) over a Gaussian posterior (VAE families). */
  readonly gaussianPosterior: boolean;
  /** The back end and threads the codec runs on (the job's other programs use them too). */
  readonly runtime: RuntimeOptions;
  release(): Promise<void>;
}

export interface LatentOptions extends NodeRuntimeOptions {
  readonly dir: string;
}

export async function openLatent(opts: LatentOptions): Promise<LatentContext> {
  const runtime = nodeRuntime(opts);
  const run = await loadRun(opts.dir, runtime.backend);
  const data = loadRunSplit(run);
  const codec = await openCodec(run, runtime);
  return {
    dir: opts.dir,
    run,
    codec,
    data,
    layout: imageLayout(run.model.inputShape),
    gaussianPosterior: codec.codeNames.includes('mu') && codec.codeNames.includes('logVar'),
    runtime,
    release: () => codec.release(),
  };
}

/** Encodes every sample of a split. */
export async function encodeSplit(ctx: LatentContext, split: SplitName = 'test'): Promise<SplitCodes> {
  const data = ctx.data[split];
  const out = await ctx.codec.encode(data.x, data.n, data.labels);
  const k = ctx.run.model.latentDim;
  const z = out['z']!;
  const posterior = out['mu'] && out['logVar'] ? { mu: out['mu'], logVar: out['logVar'] } : undefined;
  return { split, data, n: data.n, k, z, ...(posterior && { posterior }), stats: codeStats(z, data.n, k) };
}

/** Fails unless the run's samples are images (for picture-making jobs). */
export function requireImages(ctx: LatentContext, what: string): ImageLayout {
  if (!ctx.layout) throw new UsageError(`${what}: samples of shape [${ctx.run.model.inputShape}] are not images (need [H·W], [1,H,W] or [3,H,W])`);
  return ctx.layout;
}

/** Checks a sample index flag against a split's size, e.g. `--from 99999`. */
export function checkIndex(flag: string, i: number, codes: { n: number; split: SplitName }): void {
  if (!Number.isInteger(i) || i < 0 || i >= codes.n) {
    throw new UsageError(`${flag} ${i} is out of range: the ${codes.split} split has ${codes.n} samples (0–${codes.n - 1})`);
  }
}

/** Checks a latent dimension flag against the latent size, e.g. `--dims 0,25` on a 20-D model. */
export function checkDimension(flag: string, d: number, k: number): void {
  if (!Number.isInteger(d) || d < 0 || d >= k) throw new UsageError(`${flag}: dimension ${d} is beyond the latent size ${k} (dimensions are 0–${k - 1})`);
}

/** Labels for decoding n codes of a conditional model: `label` each, or none for unconditional models. */
export function decodeLabels(ctx: LatentContext, n: number, label: number | undefined): Int32Array | undefined {
  const c = ctx.run.model.numClasses;
  if (c === 0) return undefined;
  const l = label ?? 0;
  if (!Number.isInteger(l) || l < 0 || l >= c) throw new UsageError(`--class must be in [0, ${c - 1}] for this run (got ${l})`);
  return new Int32Array(n).fill(l);
}
