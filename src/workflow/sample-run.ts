/**
 * `sampleRun`: decodes codes drawn from a prior (see prior-codes.ts: the model's own prior, or
 * a Gaussian mixture fitted to the training codes for families without one), optionally at a
 * temperature, and writes an image grid (and optionally the decoded values as .npy).
 * Codes are drawn and decoded in chunks: the .npy is streamed (header with the final shape,
 * then each chunk; written atomically) and the grid keeps only its tiles, so memory stays flat
 * for any n. Conditional models (cvae, aae --conditional) draw one class, or every class in turn, one
 * class per grid row.
 */
import { statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatBytes } from '../data/machine-memory.js';
import { encodeNpy } from '../data/npy.js';
import { UsageError } from '../errors.js';
import { AtomicFileWriter } from '../persist/atomic-stream.js';
import { nodeRuntime, type NodeRuntimeOptions } from '../runtime/node.js';
import { imageLayout } from '../viz/image-layout.js';
import { loadRun, openCodec } from './load-run.js';
import { writeGrid } from './pictures.js';
import { checkOutputFile } from './output-paths.js';
import { planPrior, priorCodeStream, type PriorChoice } from './prior-codes.js';
import { loadRunSplit } from './run-split.js';

export interface SampleRunOptions extends NodeRuntimeOptions {
  readonly dir: string;
  /** Number of samples (default 64; conditional models round up to a whole row per class). */
  readonly n?: number;
  /** Class to draw (conditional models only); default every class in turn, one per row. */
  readonly class?: number;
  /** Seed of the prior draws (default 0); `${seed}:samples` seeds the generator, as the training run's samples.png. */
  readonly seed?: number;
  /** `normal` (the model's prior) or `gmm` (a mixture fitted to the training codes); default the model's prior, or gmm for families without one. */
  readonly prior?: PriorChoice;
  /** Scales the prior's standard deviation (default 1). */
  readonly temperature?: number;
  /** PNG grid path; default `<run>/samples-<class|all>.png`. */
  readonly out?: string;
  /** Also write the decoded samples as a float32 .npy of shape [n, ...inputShape]. */
  readonly npy?: string;
}

export interface SampleSummary {
  readonly model: string;
  readonly run: string;
  readonly n: number;
  readonly class: number | null;
  readonly seed: number;
  readonly prior: PriorChoice;
  readonly temperature: number;
  /** Set when the prior means little for this family (N(0, I) for a plain AE). */
  readonly warning?: string;
  /** The PNG written, or null when the samples are not images and only --npy was asked for. */
  readonly out: string | null;
  /** Samples the PNG shows, when fewer than n (the grid holds at most GRID_MAX_SAMPLES; the .npy holds all). */
  readonly grid?: number;
  readonly npy?: string;
}

/**
 * Largest number of samples one call decodes. Memory does not grow with n (codes are drawn
 * and decoded DECODE_CHUNK_BATCHES codec batches at a time and streamed into the .npy); the
 * bound keeps a call to minutes (1e7 MNIST samples: a 31 GB .npy).
 */
export const MAX_SAMPLES = 10_000_000;
/** Most samples one PNG grid shows (100 × 100 tiles; 2,900² pixels for 28 × 28 images). */
export const GRID_MAX_SAMPLES = 10_000;
/** Codec batches decoded per chunk of the stream (a multiple of the codec batch keeps the prior draws those of one call). */
const DECODE_CHUNK_BATCHES = 10;

/** Which of the n samples the PNG grid shows: `slot(i)` is sample i's tile, or −1. */
interface GridPlan {
  readonly count: number;
  readonly cols: number;
  slot(i: number): number;
}

/**
 * The grid's tiles: every sample when n ≤ GRID_MAX_SAMPLES; else the first GRID_MAX_SAMPLES,
 * or, one class per row (perClass > 0), the first floor(GRID_MAX_SAMPLES / classes) of each class.
 */
function planGrid(n: number, perClass: number, classes: number): GridPlan {
  if (perClass > 0) {
    const cols = Math.min(perClass, Math.max(1, Math.floor(GRID_MAX_SAMPLES / classes)));
    return { count: cols * classes, cols, slot: (i) => (i % perClass < cols ? Math.floor(i / perClass) * cols + (i % perClass) : -1) };
  }
  const count = Math.min(n, GRID_MAX_SAMPLES);
  return { count, cols: Math.ceil(Math.sqrt(count)), slot: (i) => (i < count ? i : -1) };
}

/** Fails unless the file system of `path` has room for `bytes` more. */
function checkFreeSpace(path: string, bytes: number, what: string): void {
  const folder = dirname(resolve(path));
  const fs = statfsSync(folder);
  const free = fs.bavail * fs.bsize;
  if (bytes > free) throw new UsageError(`${what} needs ${formatBytes(bytes)}, and ${folder} has ${formatBytes(free)} free`);
}

export async function sampleRun(opts: SampleRunOptions): Promise<SampleSummary> {
  const requested = opts.n ?? 64;
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_SAMPLES) throw new UsageError(`--n must be an integer in [1, ${MAX_SAMPLES}] (got ${requested})`);
  const seed = opts.seed ?? 0;
  const temperature = opts.temperature ?? 1;
  // Output paths are checked before the model is loaded and compiled.
  if (opts.out !== undefined) checkOutputFile(opts.out, '--out');
  if (opts.npy !== undefined) checkOutputFile(opts.npy, '--npy');
  const runtime = nodeRuntime(opts);
  const run = await loadRun(opts.dir, runtime.backend);
  const { model } = run;
  const plan = planPrior(run.config.model, opts.prior, temperature);
  const classes = model.numClasses;
  if (opts.class !== undefined) {
    if (classes === 0) throw new UsageError(`--class: ${opts.dir} holds an unconditional ${model.family} model; only conditional models (cvae, aae --conditional) draw a chosen class`);
    if (!Number.isInteger(opts.class) || opts.class < 0 || opts.class >= classes) throw new UsageError(`--class must be in [0, ${classes - 1}] for this run (got ${opts.class})`);
  }
  const layout = imageLayout(model.inputShape);
  if (!layout && (opts.out !== undefined || opts.npy === undefined)) {
    throw new UsageError(`samples of shape [${model.inputShape}] are not images, so there is no PNG grid; write them with --npy <file>`);
  }
  // Every class in turn: one class per row, ceil(n / classes) samples each.
  const perClass = classes > 0 && opts.class === undefined ? Math.ceil(requested / classes) : 0;
  const n = perClass > 0 ? perClass * classes : requested;
  const labelOf = (i: number): number => opts.class ?? Math.floor(i / perClass);
  const grid = layout ? planGrid(n, perClass, classes) : undefined;
  if (grid && grid.count < n && opts.npy === undefined) {
    throw new UsageError(`--n ${requested}: a PNG grid shows at most ${GRID_MAX_SAMPLES} samples; write all ${n} with --npy <file> (the grid then shows ${grid.count} of them)`);
  }
  const d = model.inputShape.reduce((a, b) => a * b, 1);
  const npyHeader = opts.npy !== undefined ? encodeNpy(new Float32Array(0), [n, ...model.inputShape]) : undefined;
  if (opts.npy !== undefined) checkFreeSpace(opts.npy, npyHeader!.length + 4 * n * d, `--npy ${opts.npy} (${n} samples of ${d} values)`);

  const codec = await openCodec(run, runtime);
  const gridImages = grid ? new Float32Array(grid.count * d) : undefined;
  let npy: AtomicFileWriter | undefined;
  try {
    const draw = await priorCodeStream(codec, plan, { seed, temperature, train: () => loadRunSplit(run).train });
    npy = opts.npy !== undefined ? AtomicFileWriter.open(opts.npy) : undefined;
    npy?.write(npyHeader!);
    const chunk = codec.batchSize * DECODE_CHUNK_BATCHES;
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const labels = classes > 0 ? Int32Array.from({ length: count }, (_, i) => labelOf(start + i)) : undefined;
      const x = await codec.decode(await draw(count, labels), count, labels);
      npy?.write(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      if (grid) {
        for (let i = 0; i < count; i++) {
          const tile = grid.slot(start + i);
          if (tile >= 0) gridImages!.set(x.subarray(i * d, (i + 1) * d), tile * d);
        }
      }
    }
    npy?.commit();
  } catch (e) {
    npy?.abort();
    throw e;
  } finally {
    await codec.release();
  }
  let out: string | null = null;
  if (layout && grid) {
    out = opts.out ?? join(opts.dir, `samples-${opts.class ?? 'all'}.png`);
    writeGrid(out, gridImages!, grid.count, layout, { cols: grid.cols });
  }
  return {
    model: model.family,
    run: opts.dir,
    n,
    class: opts.class ?? null,
    seed,
    prior: plan.prior,
    temperature,
    ...(plan.warning && { warning: plan.warning }),
    out,
    ...(grid && grid.count < n && { grid: grid.count }),
    ...(opts.npy !== undefined ? { npy: opts.npy } : {}),
  };
}
