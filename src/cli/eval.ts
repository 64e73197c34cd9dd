/**
 * `latentkit eval <run>`: test-split terms of a saved run, active units, and `--iw K` for
 * the importance-weighted log-likelihood bound.
 */
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { evalRun, MAX_IW } from '../workflow/eval-run.js';
import { intInRange, nonNegativeInt, threadCount } from './flags.js';
import { probeLines } from './latent-commands.js';

export function evalCommand(): Command {
  return new Command('eval')
    .description("evaluate a run on a test split: every loss term, active units, and the IWAE bound with --iw")
    .argument('<run>', 'run directory')
    .option('--data <spec>', "data to evaluate on (default: the run's)")
    .option('--data-dir <dir>', 'folder of the Fashion-MNIST IDX files')
    .option('--iw <k>', `importance samples for the IWAE bound on −log p(x) (e.g. 100; at most ${MAX_IW})`, intInRange(MAX_IW))
    .option('--seed <n>', 'seed of the evaluation noise (default 0)', nonNegativeInt)
    .option('--no-probe', 'skip the probe accuracies (k-NN and linear probes of the codes, PCA and pixels)')
    .option('--threads <n>', 'CPU threads (default: all cores; at most the core count)', threadCount)
    .option('--json', 'print one JSON object')
    .action(async (dir: string, f: { data?: string; dataDir?: string; iw?: number; seed?: number; probe: boolean; threads?: number; json?: boolean }) => {
      const live = Boolean(process.stderr.isTTY) && !process.env['CI'];
      const bar = live ? new cliProgress.SingleBar({ stream: process.stderr, format: 'IWAE K={k} [{bar}] {value}/{total} samples | eta {eta}s', clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
      const summary = await evalRun({
        dir,
        data: f.data,
        dataDir: f.dataDir,
        iw: f.iw,
        seed: f.seed,
        probe: f.probe,
        threads: f.threads,
        onProgress: (done, total) => {
          if (!bar) return;
          if (done === total) bar.stop();
          else if (bar.getProgress() === 0 && done > 0 && !bar.isActive) bar.start(total, done, { k: f.iw });
          else bar.update(done);
        },
      });
      if (f.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      process.stdout.write(`${summary.model} ${summary.run} on ${summary.data} test (${summary.samples} samples)\n`);
      for (const [k, v] of Object.entries(summary.test)) process.stdout.write(`  ${k.padEnd(18)} ${Number.isInteger(v) ? v : v.toFixed(4)}\n`);
      if (summary.probe) process.stdout.write(`probe accuracy on the test split\n${probeLines(summary.probe).map((l) => `  ${l}\n`).join('')}`);
    });
}
