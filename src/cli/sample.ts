/**
 * `latentkit sample <run>`: decode codes drawn from a run's prior into an image grid
 * (see workflow/sample-run.ts).
 */
import { Command } from 'commander';
import { GRID_MAX_SAMPLES, MAX_SAMPLES, sampleRun } from '../workflow/sample-run.js';
import { nonNegativeInt, oneOf, positiveInt, positiveNumber, threadCount } from './flags.js';

export function sampleCommand(): Command {
  return new Command('sample')
    .description("decode codes drawn from a run's prior (or a mixture fitted to its codes) into an image grid (a chosen class with --class for conditional models)")
    .argument('<run>', 'run directory')
    .option('--n <count>', `number of samples (default 64, at most ${MAX_SAMPLES}; a PNG grid shows at most ${GRID_MAX_SAMPLES}, --npy holds them all)`, positiveInt)
    .option('--class <c>', 'class to draw, for conditional models (default: every class in turn, one per row)', nonNegativeInt)
    .option('--prior <name>', "normal: the model's prior (N(0, I) for VAEs); gmm: a mixture fitted to the training codes (default for families without a prior: ae, dae, sparse, cae, stacked)", oneOf(['normal', 'gmm'] as const))
    .option('--temperature <t>', 'scale of the prior standard deviation (default 1; < 1 trades diversity for fidelity)', positiveNumber)
    .option('--seed <n>', 'seed of the prior draws (default 0; the run\'s training seed reproduces its samples.png)', nonNegativeInt)
    .option('--out <file>', 'PNG grid to write (default <run>/samples-<class|all>.png)')
    .option('--npy <file>', 'also write the decoded samples as a float32 .npy [n, ...shape]')
    .option('--threads <n>', 'CPU threads (default: all cores; at most the core count)', threadCount)
    .option('--json', 'print one JSON object')
    .action(async (dir: string, f: { n?: number; class?: number; seed?: number; prior?: 'normal' | 'gmm'; temperature?: number; out?: string; npy?: string; threads?: number; json?: boolean }) => {
      const summary = await sampleRun({ dir, n: f.n, class: f.class, seed: f.seed, prior: f.prior, temperature: f.temperature, out: f.out, npy: f.npy, threads: f.threads });
      if (summary.warning) process.stderr.write(`latentkit: note: ${summary.warning}\n`);
      if (summary.grid !== undefined) process.stderr.write(`latentkit: note: ${summary.out} shows ${summary.grid} of the ${summary.n} samples (at most ${GRID_MAX_SAMPLES}); ${summary.npy} holds all of them\n`);
      if (f.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stdout.write(`${[summary.out, summary.npy].filter((p) => p).join('\n')}\n`);
    });
}
