/**
 * `interpolateRun`: decodings along the path between two test samples' codes (linear or
 * slerp), each strip followed by the same number of steps of plain pixel blending
 * (1 − t)·x_a + t·x_b, so the difference between moving in code space and in pixel space
 * shows. `pairs` draws that many random pairs (seeded) instead of one chosen pair.
 * Conditional models decode the first half of a path with the source's label and the second
 * half with the target's.
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { row } from '../latent/code-stats.js';
import { interpolationPath, type PathMode } from '../latent/interpolate.js';
import { Rng } from '../nn/rng.js';
import { checkIndex, encodeSplit, openLatent, requireImages, type LatentOptions } from './latent-context.js';
import { writeGrid } from './pictures.js';

export interface InterpolateRunOptions extends LatentOptions {
  readonly from?: number;
  readonly to?: number;
  /** Random pairs instead of from/to. */
  readonly pairs?: number;
  /** Points per path including both ends (default 10). */
  readonly steps?: number;
  readonly slerp?: boolean;
  readonly seed?: number;
  /** PNG path; default `<run>/interpolate.png`. */
  readonly out?: string;
}

export interface InterpolateSummary {
  readonly model: string;
  readonly run: string;
  readonly mode: PathMode;
  readonly steps: number;
  readonly pairs: [number, number][];
  readonly out: string;
}

export async function interpolateRun(opts: InterpolateRunOptions): Promise<InterpolateSummary> {
  const steps = opts.steps ?? 10;
  if (!Number.isInteger(steps) || steps < 2 || steps > 100) throw new UsageError(`--steps must be an integer in [2, 100] (got ${steps})`);
  const hasPair = opts.from !== undefined || opts.to !== undefined;
  if (hasPair && opts.pairs !== undefined) throw new UsageError('give either --from/--to or --pairs, not both');
  if (hasPair && (opts.from === undefined || opts.to === undefined)) throw new UsageError('--from and --to go together');
  const ctx = await openLatent(opts);
  try {
    const layout = requireImages(ctx, 'interpolate');
    const codes = await encodeSplit(ctx, 'test');
    let pairs: [number, number][];
    if (hasPair) {
      checkIndex('--from', opts.from!, codes);
      checkIndex('--to', opts.to!, codes);
      pairs = [[opts.from!, opts.to!]];
    } else {
      const count = opts.pairs ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > 64) throw new UsageError(`--pairs must be an integer in [1, 64] (got ${count})`);
      const rng = new Rng(`${opts.seed ?? 0}:interpolate`);
      pairs = Array.from({ length: count }, () => [rng.int(codes.n), rng.int(codes.n)] as [number, number]);
    }
    const mode: PathMode = opts.slerp ? 'slerp' : 'linear';
    const d = layout.channels * layout.height * layout.width;
    const rows = new Float32Array(pairs.length * 2 * steps * d);
    const labels = codes.data.labels;
    for (const [p, [a, b]] of pairs.entries()) {
      const path = interpolationPath(row(codes.z, codes.k, a), row(codes.z, codes.k, b), steps, mode);
      const pathLabels = ctx.run.model.numClasses > 0 ? Int32Array.from({ length: steps }, (_, s) => (s < steps / 2 ? labels![a]! : labels![b]!)) : undefined;
      rows.set(await ctx.codec.decode(path, steps, pathLabels), 2 * p * steps * d);
      const pixels = interpolationPath(codes.data.x.subarray(a * d, (a + 1) * d), codes.data.x.subarray(b * d, (b + 1) * d), steps, 'linear');
      rows.set(pixels, (2 * p + 1) * steps * d);
    }
    const out = opts.out ?? join(opts.dir, 'interpolate.png');
    writeGrid(out, rows, pairs.length * 2 * steps, layout, { cols: steps });
    return { model: ctx.run.model.family, run: opts.dir, mode, steps, pairs, out };
  } finally {
    await ctx.release();
  }
}
