/**
 * The latent-space commands: `embed`, `manifold`, `interpolate`, `traverse` and `attribute`.
 * Each parses its flags, calls its workflow job, and prints the file it wrote (or one JSON
 * object with `--json`).
 */
import { Command, InvalidArgumentError } from 'commander';
import { parseAlphaRange } from '../latent/attribute.js';
import { attributeRun } from '../workflow/attribute-run.js';
import { embedRun } from '../workflow/embed-run.js';
import { interpolateRun } from '../workflow/interpolate-run.js';
import { manifoldRun } from '../workflow/manifold-run.js';
import { mapRun } from '../workflow/map-run.js';
import { probeRun, type ProbeResult } from '../workflow/probe-run.js';
import { reportRun } from '../workflow/report-run.js';
import { compareRun } from '../workflow/compare-run.js';
import { PROJECTION_METHODS, type ProjectionMethod } from '../latent/projection.js';
import { PhaseProgress } from './progress.js';
import { traverseRun } from '../workflow/traverse-run.js';
import { nonNegativeInt, oneOf, positiveInt, positiveNumber, threadCount } from './flags.js';

/** Adds `--threads` and `--json`, and prints the job's summary: JSON, or its `out` path (plus `lines`). */
export function latentCommand<F extends { threads?: number; json?: boolean }, S extends { out: string }>(
  cmd: Command,
  job: (dir: string, flags: F) => Promise<S>,
  lines: (s: S) => string[] = () => [],
): Command {
  return cmd
    .argument('<run>', 'run directory')
    .option('--threads <n>', 'CPU threads (default: all cores; at most the core count)', threadCount)
    .option('--json', 'print one JSON object with the numbers')
    .action(async (dir: string, f: F) => {
      const summary = await job(dir, f);
      process.stdout.write(f.json ? `${JSON.stringify(summary)}\n` : `${[...lines(summary), summary.out].join('\n')}\n`);
    });
}

/** `i,j`: two non-negative integers. */
export function dimPair(value: string): [number, number] {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError(`must be two dimensions i,j, e.g. 0,1 (got ${value})`);
  return [Number(m[1]), Number(m[2])];
}

/** Comma-separated non-negative integers, e.g. `0,5,9`. */
export function indexList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError(`must be comma-separated sample indices, e.g. 0,5,9 (got ${value})`);
  return parts.map(Number);
}

function alphaRange(value: string): number[] {
  try {
    return [...parseAlphaRange(value)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export function embedCommand(): Command {
  type F = { split?: 'train' | 'test'; out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof embedRun>>>(
    new Command('embed')
      .description('write the code (μ for VAEs) of every sample of a split, with its label, as .npy or .csv')
      .option('--split <name>', 'test or train (default test)', oneOf(['test', 'train'] as const))
      .option('--out <file>', 'codes.npy or codes.csv (default <run>/codes-<split>.npy)'),
    (dir, f) => embedRun({ dir, split: f.split, out: f.out, threads: f.threads }),
    (s) => [`${s.n} codes of ${s.k} dimensions (${s.code}) in ${s.seconds.toFixed(2)} s (${Math.round(s.samples_per_sec).toLocaleString('en-US')} samples/s)`, ...(s.labels ? [s.labels] : [])],
  );
}

export function manifoldCommand(): Command {
  type F = { grid?: number; dims?: [number, number]; class?: number; out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof manifoldRun>>>(
    new Command('manifold')
      .description('decode a grid over two latent dimensions, the others at their mean (Gaussian quantiles for VAEs, the observed range otherwise)')
      .option('--grid <g>', 'grid side (default 20)', positiveInt)
      .option('--dims <i,j>', 'the two dimensions (default 0,1 for a 2-D latent, else the two most active)', dimPair)
      .option('--class <c>', 'class to decode with, for conditional models (default 0)', nonNegativeInt)
      .option('--out <file>', 'PNG to write (default <run>/manifold.png)'),
    (dir, f) => manifoldRun({ dir, grid: f.grid, dims: f.dims, class: f.class, out: f.out, threads: f.threads }),
    (s) => [`dims ${s.dims.join(',')}, ${s.grid}×${s.grid}, ${s.spacing} spacing`],
  );
}

export function interpolateCommand(): Command {
  type F = { from?: number; to?: number; pairs?: number; steps?: number; slerp?: boolean; seed?: number; out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof interpolateRun>>>(
    new Command('interpolate')
      .description("decode the path between two test samples' codes; below each, plain pixel blending")
      .option('--from <i>', 'index of the first test sample', nonNegativeInt)
      .option('--to <j>', 'index of the second test sample', nonNegativeInt)
      .option('--pairs <n>', 'n random pairs instead of --from/--to (default 1)', positiveInt)
      .option('--steps <n>', 'points per path, both ends included (default 10)', positiveInt)
      .option('--slerp', 'spherical interpolation (White 2016) instead of linear')
      .option('--seed <n>', 'seed of the random pairs (default 0)', nonNegativeInt)
      .option('--out <file>', 'PNG to write (default <run>/interpolate.png)'),
    (dir, f) => interpolateRun({ dir, from: f.from, to: f.to, pairs: f.pairs, steps: f.steps, slerp: f.slerp, seed: f.seed, out: f.out, threads: f.threads }),
    (s) => [`${s.mode}: ${s.pairs.map(([a, b]) => `${a}→${b}`).join(', ')} (odd rows: codes; even rows: pixel blending)`],
  );
}

export function traverseCommand(): Command {
  type F = { around?: number; range?: number; steps?: number; top?: number; class?: number; out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof traverseRun>>>(
    new Command('traverse')
      .description('vary one latent dimension per row around a code, the rest fixed; rows ranked by KL (VAEs) or variance')
      .option('--around <i>', 'test sample whose code is the centre (default: the mean code)', nonNegativeInt)
      .option('--range <x>', 'half-width in standard deviations (default 3)', positiveNumber)
      .option('--steps <n>', 'values per dimension (default 9)', positiveInt)
      .option('--top <n>', 'rows: the n most active dimensions (default min(latent, 16))', positiveInt)
      .option('--class <c>', 'class to decode with, for conditional models', nonNegativeInt)
      .option('--out <file>', 'PNG to write (default <run>/traverse.png)'),
    (dir, f) => traverseRun({ dir, around: f.around, range: f.range, steps: f.steps, top: f.top, class: f.class, out: f.out, threads: f.threads }),
    (s) => [`rows by ${s.ranked_by}: ${s.dims.map((d) => `z${d.dim} (${d.score.toFixed(3)})`).join(', ')}`],
  );
}

export function attributeCommand(): Command {
  type F = { with: string; without?: string; attributes?: string; applyTo?: number[]; alpha?: number[]; measure?: number; seed?: number; out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof attributeRun>>>(
    new Command('attribute')
      .description('add an attribute vector (mean code with − mean code without) in steps of α to samples and decode them')
      .requiredOption('--with <attr>', 'the attribute: label=7, or NAME[=value] of --attributes')
      .option('--without <attr>', 'the contrast group (default: the samples without the attribute)')
      .option('--attributes <file.csv>', 'per-sample binary attributes of the test split (header of names, one row per sample)')
      .option('--apply-to <i,...>', 'test samples to edit (default: the first 8 of the contrast group)', indexList)
      .option('--alpha <lo:hi:n>', 'α values (default -2:2:9)', alphaRange)
      .option('--measure <n>', 'contrast samples edited to measure the class share (default 200)', positiveInt)
      .option('--seed <n>', 'seed of the measured samples (default 0)', nonNegativeInt)
      .option('--out <file>', 'PNG to write (default <run>/attribute.png)'),
    (dir, f) => attributeRun({ dir, with: f.with, without: f.without, attributes: f.attributes, applyTo: f.applyTo, alphas: f.alpha, measure: f.measure, seed: f.seed, out: f.out, threads: f.threads }),
    (s) => [
      `vector from ${s.with_count} samples with ${s.with} − ${s.without_count} samples (${s.without})`,
      ...(s.target_share ? [`share read as class ${s.target_class}: ${s.alphas.map((a, i) => `α=${a.toFixed(2)}: ${(100 * s.target_share![i]!).toFixed(0)}%`).join(', ')}`] : []),
    ],
  );
}

export function mapCommand(): Command {
  type F = { method?: ProjectionMethod; split?: 'train' | 'test'; images?: boolean; maxPoints?: number; seed?: number; out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof mapRun>>>(
    new Command('map')
      .description('scatter the codes of a split in 2-D, coloured by label (2-D latents as they are; wider ones projected by UMAP, t-SNE or PCA)')
      .option('--method <name>', `${PROJECTION_METHODS.join(', ')} (default auto: as-is for 2-D codes, else umap)`, oneOf(PROJECTION_METHODS))
      .option('--split <name>', 'test or train (default test)', oneOf(['test', 'train'] as const))
      .option('--images', 'draw small thumbnails at their codes instead of dots')
      .option('--max-points <n>', 'project at most n codes, a seeded random subset (default: umap 10000, tsne 5000, others all)', positiveInt)
      .option('--seed <n>', 'seed of the projection and the subset (default 0)', nonNegativeInt)
      .option('--out <file>', 'PNG to write (default <run>/map.png)'),
    async (dir, f) => {
      const progress = new PhaseProgress();
      try {
        return await mapRun({ dir, method: f.method, split: f.split, images: f.images, maxPoints: f.maxPoints, seed: f.seed, out: f.out, threads: f.threads, onProgress: progress.update });
      } finally {
        progress.stop();
      }
    },
    (s) => [`${s.points} ${s.split} codes of ${s.latent} dimensions, ${s.method}, ${s.seconds.toFixed(1)} s`],
  );
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** The probe accuracies as a small table (for `probe` and `eval`). */
export function probeLines(p: ProbeResult): string[] {
  return [
    `${'features'.padEnd(22)} ${'5-NN'.padStart(7)} ${'linear'.padStart(7)}`,
    ...([[`codes (k=${p.k})`, p.codes], [`PCA (k=${p.k})`, p.pca], ['raw pixels', p.pixels]] as const).map(([name, v]) => `${name.padEnd(22)} ${pct(v.knn).padStart(7)} ${pct(v.linear).padStart(7)}`),
    ...(p.faithfulness ? [`class faithfulness of samples: ${pct(p.faithfulness.mean)} (worst class ${pct(Math.min(...p.faithfulness.per_class))})`] : []),
  ];
}

export function probeCommand(): Command {
  type F = { out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof probeRun>>>(
    new Command('probe')
      .description('test accuracy of a 5-NN and a linear probe on the codes, next to PCA with the same k and raw pixels (and class faithfulness for conditional models)')
      .option('--out <file>', 'PNG of the accuracies (default <run>/probe.png)'),
    (dir, f) => probeRun({ dir, out: f.out, threads: f.threads }),
    probeLines,
  );
}

export function reportCommand(): Command {
  type F = { out?: string; threads?: number; json?: boolean };
  return latentCommand<F, Awaited<ReturnType<typeof reportRun>>>(
    new Command('report')
      .description("(re)write a run's self-contained report.html: config, metrics, loss curves, pictures, latent map, manifold or traversal, probes")
      .option('--out <file>', 'HTML to write (default <run>/report.html)'),
    (dir, f) => reportRun({ dir, out: f.out, threads: f.threads }),
    (s) => [`${(s.bytes / 1e6).toFixed(2)} MB in ${s.seconds.toFixed(1)} s`],
  );
}

export function compareCommand(): Command {
  return new Command('compare')
    .description("runs side by side: final test terms, MSE and probe accuracies next to PCA at each run's k, and a grid of their reconstructions")
    .argument('<runs...>', 'run directories')
    .option('--out <file>', 'PNG of the reconstructions: test samples on top, one row per run (default compare.png)')
    .option('--samples <n>', 'test samples per row (default 8)', positiveInt)
    .option('--threads <n>', 'CPU threads (default: all cores; at most the core count)', threadCount)
    .option('--json', 'print one JSON object with the numbers')
    .action(async (dirs: string[], f: { out?: string; samples?: number; threads?: number; json?: boolean }) => {
      const s = await compareRun({ dirs, out: f.out, samples: f.samples, threads: f.threads });
      if (f.json) {
        process.stdout.write(`${JSON.stringify(s)}\n`);
        return;
      }
      const num = (v: number | undefined, digits = 4): string => (v === undefined ? '–' : v.toFixed(digits));
      const acc = (v: number | undefined): string => (v === undefined ? '–' : pct(v));
      const header = ['run', 'model', 'k', 'epochs', 'test loss', 'mse', 'PCA mse', 'k-NN', 'linear', 'PCA k-NN', 'PCA linear'];
      const rows = s.runs.map((r) => [r.run, r.model, String(r.latent), String(r.epochs), num(r.test['loss'], 2), num(r.test['mse']), num(r.pca_mse), acc(r.probe?.codes.knn), acc(r.probe?.codes.linear), acc(r.probe?.pca.knn), acc(r.probe?.pca.linear)]);
      const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
      for (const r of [header, ...rows]) process.stdout.write(`${r.map((v, c) => (c < 2 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ')}\n`);
      process.stdout.write(`${s.out}\n`);
    });
}
