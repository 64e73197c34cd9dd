/**
 * `latentkit sample <run>`: decode codes drawn from a run's prior into an image grid
 * (see workflow/sample-run.ts).
 */
import { Command } from 'commander';
import { sampleRun } from '../workflow/sample-run.js';
import { nonNegativeInt, positiveInt } from './flags.js';

export function sampleCommand(): Command {
  return new Command('sample')
    .description("decode codes drawn from a run's prior into an image grid (a chosen class with --class for conditional models)")
    .argument('<run>', 'run directory')
    .option('--n <count>', 'number of samples (default 64)', positiveInt)
    .option('--class <c>', 'class to draw, for conditional models (default: every class in turn, one per column)', nonNegativeInt)
    .option('--seed <n>', 'seed of the prior draws (default 0; the run\'s training seed reproduces its samples.png)', nonNegativeInt)
    .option('--out <file>', 'PNG grid to write (default <run>/samples-<class|all>.png)')
    .option('--npy <file>', 'also write the decoded samples as a float32 .npy [n, ...shape]')
    .option('--threads <n>', 'CPU threads (default: all cores)', positiveInt)
    .option('--json', 'print one JSON object')
    .action(async (dir: string, f: { n?: number; class?: number; seed?: number; out?: string; npy?: string; threads?: number; json?: boolean }) => {
      const summary = await sampleRun({ dir, n: f.n, class: f.class, seed: f.seed, out: f.out, npy: f.npy, threads: f.threads });
      if (f.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stdout.write(`${[summary.out, summary.npy].filter((p) => p).join('\n')}\n`);
    });
}
