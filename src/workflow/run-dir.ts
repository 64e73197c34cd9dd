/**
 * The run directory: config.json, checkpoint.safetensors, state.json, metrics.jsonl and
 * image grids. This module decides whether a directory may be written (never overwriting
 * a run without `force`) and reads/writes the run's config.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { type FamilyConfig, MODEL_FAMILIES } from '../models/registry.js';
import { writeFileAtomic } from '../persist/atomic.js';
import { checkOutputDir } from './output-paths.js';
import { checkRunNotLocked, LOCK_FILE } from './run-lock.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
/** Statistics of the run's data transforms (standardisation), written by train, read by every later load. */
export const PREPROCESS_FILE = 'preprocess.json';

export const trainSettingsSchema = z
  .object({
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    lr: z.number().positive({ error: (i) => `must be positive (got ${String(i.input)})` }),
    optimizer: z.enum(['adam', 'adamw', 'sgd']),
    weightDecay: z.number().nonnegative().default(0),
    momentum: z.number().min(0).max(1).default(0.9),
    lrSchedule: z.enum(['constant', 'cosine']),
    seed: z.number().int().nonnegative(),
  })
  .strict();
export type TrainSettings = z.infer<typeof trainSettingsSchema>;

/**
 * The data of a run. Every field but `spec` is optional, so config.json files written before a
 * field existed still load: a missing `splitSeed` marks a run made before seeded splits (its
 * single-file data is split unshuffled, last rows as test), see workflow/run-data.ts.
 */
export const dataSettingsSchema = z
  .object({
    spec: z.string(),
    dataDir: z.string().optional(),
    limit: z.number().int().positive().optional(),
    /** CSV/TSV: the label column, a header name or a 0-based index. */
    labelColumn: z.union([z.string().min(1), z.number().int().nonnegative()]).optional(),
    /** Data without its own test set: the share of rows in the test split, in (0, 1). */
    testFraction: z.number().gt(0).lt(1).optional(),
    /** Seed of the shuffled train/test split (a new run records its run seed). */
    splitSeed: z.number().int().nonnegative().optional(),
    /** `static`: threshold at 0.5 once; `dynamic`: a fresh Bernoulli draw per training batch. */
    binarize: z.enum(['static', 'dynamic']).optional(),
    /** Per-feature (x − μ)/σ with train-split statistics, stored in preprocess.json. */
    standardize: z.boolean().optional(),
    /** Train from disk in windows (data/stream) instead of loading the data whole. */
    stream: z.boolean().optional(),
    /** Streaming: rows in the shuffle buffer (one window of the windowed block shuffle). */
    shuffleBuffer: z.number().int().positive().optional(),
  })
  .strict();
export type DataSettings = z.infer<typeof dataSettingsSchema>;

export const runConfigSchema = z
  .object({
    latentkit: z.string(),
    model: z.object({ family: z.string() }).passthrough(),
    train: trainSettingsSchema,
    data: dataSettingsSchema,
  })
  .strict();
export type RunConfig = z.infer<typeof runConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const CHECKPOINT_NAME = 'checkpoint.safetensors';

/** Files a run writes; `--force` removes exactly these from an existing run directory. */
const RUN_FILES = [
  CONFIG_FILE,
  METRICS_FILE,
  PREPROCESS_FILE,
  'checkpoint.safetensors',
  'state.json',
  'reconstructions.png',
  'samples.png',
  'report.html',
  // What the latent tools write by default; stale after a new run.
  'probe.json',
  'probe.png',
  'map.png',
  'manifold.png',
  'interpolate.png',
  'traverse.png',
  'attribute.png',
  'samples-all.png',
  'codes-test.npy',
  'codes-test-labels.npy',
  'codes-train.npy',
  'codes-train-labels.npy',
];

/** A temp file of an atomic write (persist/atomic.ts `tempPathFor`), left behind by a killed writer. */
const TEMP_FILE = /^\..+\.tmp-\d+-[0-9a-f]{12}$/;

/**
 * Whether `dir` holds only what a run that never finished an epoch leaves: run files without
 * a checkpoint, temp files of killed writes, the lock. Such a directory holds nothing to lose,
 * so a new run may start over in it without `--force`.
 */
function isUnfinishedStart(entries: readonly string[]): boolean {
  return !entries.includes(CHECKPOINT_NAME) && entries.every((f) => RUN_FILES.includes(f) || TEMP_FILE.test(f) || f === LOCK_FILE);
}

/**
 * Fails unless `dir` may hold a new run: absent (with a writable nearest existing folder above
 * it), empty, a start that never reached its first checkpoint, or `force`; see output-paths.ts
 * for the path checks. Changes nothing.
 */
export function checkNewRunDir(dir: string, force: boolean): void {
  checkOutputDir(dir, '--out');
  if (!existsSync(dir)) return;
  checkRunNotLocked(dir);
  const entries = readdirSync(dir).filter((f) => f !== LOCK_FILE);
  if (entries.length > 0 && !force && !isUnfinishedStart(entries)) {
    throw new UsageError(`run directory ${dir} already exists; pass --force to overwrite it, or --resume ${dir} to continue it`);
  }
}

/**
 * Creates the directory of a new run. The files of a previous run (with `force`, or of a start
 * that never reached a checkpoint) and temp files of killed writes are removed first, so an
 * interrupted new run can never be resumed from an old checkpoint.
 */
export function prepareNewRunDir(dir: string, force: boolean): void {
  checkNewRunDir(dir, force);
  mkdirSync(dir, { recursive: true });
  const entries = readdirSync(dir);
  if (force || isUnfinishedStart(entries)) for (const f of RUN_FILES) rmSync(join(dir, f), { force: true });
  for (const f of entries) if (TEMP_FILE.test(f)) rmSync(join(dir, f), { force: true });
}

export function writeRunConfig(dir: string, config: RunConfig): void {
  writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** The parsed JSON of a run file; a syntax error is a one-line ConfigError naming the file. */
export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A run's config as read from its directory: the model config validated by its family's schema. */
export type SavedRunConfig = Omit<RunConfig, 'model'> & { readonly model: FamilyConfig & RunConfig['model'] };

/**
 * Reads and validates a run's config.json: the run settings with their schema, the model
 * config (upgraded from earlier versions, see `ModelFamily.upgradeSaved`) with its family's.
 * Any problem is one line naming the file and the field.
 */
export function readRunConfig(dir: string): SavedRunConfig {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) throw new UsageError(`${dir} is not a latentkit run directory (no ${CONFIG_FILE})`);
  const raw = readJsonFile(path);
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${path}: ${issue.path.join('.') || 'config'}: ${issue.message}`);
  }
  const saved = parsed.data.model;
  const family = MODEL_FAMILIES.get(saved.family);
  if (!family) throw new ConfigError(`${path}: model.family: unknown model "${saved.family}" (choose from: ${[...MODEL_FAMILIES.keys()].join(', ')})`);
  const model = family.schema.safeParse({ ...family.upgradeSaved(saved), family: saved.family });
  if (!model.success) {
    const issue = model.error.issues[0]!;
    throw new ConfigError(`${path}: model.${issue.path.join('.')}: ${issue.message}`);
  }
  return { ...parsed.data, model: { ...model.data } };
}

/** Keeps only metrics lines of epochs ≤ `epoch` (used on resume, so the log matches the checkpoint). */
export function truncateMetrics(dir: string, epoch: number): void {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        return (JSON.parse(line) as { epoch: number }).epoch <= epoch;
      } catch {
        return false;
      }
    });
  writeFileAtomic(path, kept.map((l) => `${l}\n`).join(''));
}
