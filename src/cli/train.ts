/**
 * `latentkit train`: parse flags, call `trainRun`, print progress and the summary.
 */
import { Command } from 'commander';
import { ZodError } from 'zod';
import { UsageError } from '../errors.js';
import { getFamily, MODEL_FAMILIES, type ModelFamily } from '../models/registry.js';
import { trainRun, DEFAULT_TRAIN } from '../workflow/train-run.js';
import { labelColumn, openUnitFraction } from './data-flags.js';
import { nonNegativeInt, nonNegativeNumber, oneOf, positiveInt, positiveNumber, threadCount } from './flags.js';
import { addModelFlags, flagForKey, modelConfigFromFlags } from './model-flags.js';
import { TrainingProgress } from './progress.js';

interface TrainFlags {
  model: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: 'adam' | 'adamw' | 'sgd';
  weightDecay?: number;
  lrSchedule?: 'constant' | 'cosine';
  seed?: number;
  out?: string;
  threads?: number;
  data: string;
  dataDir?: string;
  limit?: number;
  labelColumn?: string | number;
  binarize?: 'static' | 'dynamic';
  standardize?: boolean;
  testFraction?: number;
  stream?: boolean;
  shuffleBuffer?: number;
  checkpointEvery?: number;
  json?: boolean;
  resume?: string;
  force?: boolean;
  quiet?: boolean;
  report: boolean;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('train a model and write a run directory (config, checkpoint, metrics, image grids)')
    .option('--model <name>', `model family: ${[...MODEL_FAMILIES.keys()].join(', ')}`, 'vae')
    .option('--epochs <n>', `epochs to train (default ${DEFAULT_TRAIN.epochs}; with --resume, the new total)`, positiveInt)
    .option('--batch-size <n>', `samples per step (default ${DEFAULT_TRAIN.batchSize})`, positiveInt)
    .option('--lr <x>', `learning rate (default ${DEFAULT_TRAIN.lr})`, positiveNumber)
    .option('--optimizer <name>', 'adam, adamw or sgd (default adam)', oneOf(['adam', 'adamw', 'sgd'] as const))
    .option('--weight-decay <x>', 'L2 (adam, sgd) or decoupled (adamw) weight decay (default 0)', nonNegativeNumber)
    .option('--lr-schedule <name>', 'constant or cosine (default constant)', oneOf(['constant', 'cosine'] as const))
    .option('--seed <n>', 'random seed (default 0)', nonNegativeInt)
    .option('--data <spec>', 'mnist (bundled), fashion-mnist, a .csv/.tsv/.npy file, a folder of PNG images (class sub-folders = labels) or of IDX files', 'mnist')
    .option('--data-dir <dir>', 'folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)')
    .option('--limit <n>', 'train on the first N samples only', positiveInt)
    .option('--label-column <name|n>', 'CSV/TSV: the column of integer class labels, by header name or 0-based index (default: a column named "label")', labelColumn)
    .option('--test-fraction <f>', 'data without its own test set (CSV/TSV/NPY, image folder without train/ and test/): share of rows in the seeded, shuffled test split (default 0.1)', openUnitFraction)
    .option('--binarize <mode>', 'static: x > 0.5 once at load; dynamic: a fresh x ~ Bernoulli(x) per training batch (test data thresholded)', oneOf(['static', 'dynamic'] as const))
    .option('--standardize', 'per-feature (x - mean) / std with train-split statistics, stored in the run and re-applied by eval and export')
    .option('--stream', 'train from disk in windows instead of loading the data (a .npy file, uint8 or float32, or a folder of uncompressed IDX files); chosen by itself for such data too big for memory')
    .option('--shuffle-buffer <n>', 'streaming: rows shuffled together (one window of the block shuffle; memory about 2 x n rows; default 65536)', positiveInt)
    .option('--checkpoint-every <n>', 'also save a checkpoint inside epochs, every n steps (default 10000 when streaming, else only at epoch ends; 0: only at epoch ends)', nonNegativeInt)
    .option('--out <dir>', 'run directory (default runs/<model>-<timestamp>)')
    .option('--force', 'overwrite an existing run directory')
    .option('--resume <dir>', 'continue the run in <dir> from its last checkpoint')
    .option('--threads <n>', 'CPU threads (default: all cores; at most the core count)', threadCount)
    .option('--no-report', 'skip report.html (probes, latent map and pictures in one page) at the end')
    .option('--json', 'print one JSON summary object on stdout at the end')
    .option('--quiet', 'no progress output');
  return addModelFlags(cmd, MODEL_FAMILIES).action(async (f: TrainFlags) => {
    if (f.resume) {
      const ignored = cmd.options
        .filter((o) => !['epochs', 'threads', 'json', 'quiet', 'resume', 'report', 'checkpointEvery'].includes(o.attributeName()) && cmd.getOptionValueSource(o.attributeName()) === 'cli')
        .map((o) => o.long);
      if (ignored.length > 0 && !f.quiet) process.stderr.write(`latentkit: note: ${ignored.join(', ')} ignored with --resume (the run's config.json wins)\n`);
    }
      const progress = new TrainingProgress(Boolean(f.quiet));
      // With --resume the run's config.json wins (model flags were noted as ignored above).
      const family = f.resume ? undefined : getFamily(f.model);
      const model = family && modelConfigFromFlags(family, f as unknown as Record<string, unknown>, MODEL_FAMILIES.values());
      const train = Object.fromEntries(
        Object.entries({ epochs: f.epochs, batchSize: f.batchSize, lr: f.lr, optimizer: f.optimizer, weightDecay: f.weightDecay, lrSchedule: f.lrSchedule, seed: f.seed }).filter(([, v]) => v !== undefined),
      );
      const summary = await trainRun({
        ...(model && { model }),
        train,
        data: {
          spec: f.data,
          ...(f.dataDir ? { dataDir: f.dataDir } : {}),
          ...(f.limit ? { limit: f.limit } : {}),
          ...(f.labelColumn !== undefined ? { labelColumn: f.labelColumn } : {}),
          ...(f.testFraction !== undefined ? { testFraction: f.testFraction } : {}),
          ...(f.binarize ? { binarize: f.binarize } : {}),
          ...(f.standardize ? { standardize: true } : {}),
          ...(f.stream ? { stream: true } : {}),
          ...(f.shuffleBuffer !== undefined ? { shuffleBuffer: f.shuffleBuffer } : {}),
        },
        ...(f.checkpointEvery !== undefined ? { checkpointEvery: f.checkpointEvery } : {}),
        out: f.out,
        force: f.force,
        resume: f.resume,
        threads: f.threads,
        report: f.report,
        onStep: (e) => progress.step(e),
        onEpoch: (e) => progress.epoch(e),
        onNote: (line) => {
          if (!f.quiet) process.stderr.write(`${line}\n`);
        },
      }).catch((e: unknown) => {
        throw e instanceof ZodError && family ? new UsageError(describeConfigError(e, family)) : e;
      });
      if (f.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (!f.quiet) process.stderr.write(`wrote ${summary.out}\n`);
    });
}

/** One line naming the flag behind the first schema issue, e.g. `--rho must be < 1 (got 1.5)`. */
function describeConfigError(e: ZodError, family: ModelFamily): string {
  const issue = e.issues[0]!;
  if (issue.code === 'unrecognized_keys') return `${issue.keys.map((k) => flagForKey(family, k)).join(', ')} does not apply to --model ${family.name}`;
  const key = String(issue.path[0] ?? 'config');
  return `${flagForKey(family, key)}: ${issue.message}`;
}
