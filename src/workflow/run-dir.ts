/**
 * The run directory: config.json, checkpoint.safetensors, state.json, metrics.jsonl,
 * preprocess.json and image grids. This module decides whether a directory may be written
 * (never overwriting a run without `force`), and {@link RunDir} owns the names of the files
 * in it and the writes and reads of a training job.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { trainSettingsSchema } from './train-settings.js';
import { STD_FLOOR, type StandardizeStats } from '../data/transforms.js';
import { UsageError } from '../errors.js';
import { type FamilyConfig, MODEL_FAMILIES } from '../models/registry.js';
import { appendLineDurable, isTempFileName, removeDeadWritersTempFiles, writeFileAtomic } from '../persist/atomic.js';
import type { PingPongBuffers } from '../runtime/buffers.js';
import { CHECKPOINT_FILE, type LoadedCheckpoint, STATE_FILE } from '../train/checkpoint.js';
import { hasCheckpoint, loadCheckpoint, NoCheckpointError, saveCheckpoint, writeStateMirror } from './checkpoint-file.js';
import type { TrainerProgress } from '../train/trainer.js';
import { checkOutputDir } from './output-paths.js';
import { acquireRunLock, checkRunNotLocked, LOCK_FILE, type RunLock } from './run-lock.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
/** Statistics of the run's data transforms (standardisation), written by train, read by every later load. */
export const PREPROCESS_FILE = 'preprocess.json';
/** The image grids `train` writes at the end (run-pictures.ts). */
export const RECONSTRUCTIONS_FILE = 'reconstructions.png';
export const SAMPLES_FILE = 'samples.png';
/** The run's page (report-run.ts). */
export const REPORT_FILE = 'report.html';
/** The linear-probe accuracies (probe-run.ts). */
export const PROBE_FILE = 'probe.json';
/** The folder of `latentkit explore`'s cached bundles (explore-run.ts). */
export const EXPLORE_CACHE = 'explore';

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

/** The training settings' schema lives in train-settings.ts (portable); re-exported for the run's other readers. */
export { trainSettingsSchema, type TrainSettings } from './train-settings.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Files a run writes; `--force` removes exactly these from an existing run directory. */
const RUN_FILES = [
  CONFIG_FILE,
  METRICS_FILE,
  PREPROCESS_FILE,
  CHECKPOINT_FILE,
  STATE_FILE,
  RECONSTRUCTIONS_FILE,
  SAMPLES_FILE,
  REPORT_FILE,
  // What the latent tools write by default; stale after a new run.
  PROBE_FILE,
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

/**
 * Whether `dir` holds only what a run that never finished an epoch leaves: run files without
 * a checkpoint, temp files of killed writes, the lock. Such a directory holds nothing to lose,
 * so a new run may start over in it without `--force`.
 */
function isUnfinishedStart(entries: readonly string[]): boolean {
  return !entries.includes(CHECKPOINT_FILE) && entries.every((f) => RUN_FILES.includes(f) || isTempFileName(f) || f === LOCK_FILE);
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
  for (const f of entries) if (isTempFileName(f)) rmSync(join(dir, f), { force: true });
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

/** One epoch's line of metrics.jsonl: the terms per sample (null: not finite), as `trainRun` appends it. */
export interface MetricsLine {
  readonly epoch: number;
  readonly step?: number;
  readonly train: Record<string, number | null>;
  readonly test: Record<string, number | null>;
  readonly seconds?: number;
  readonly samples_per_sec?: number;
}

/** A line of metrics.jsonl, or undefined when it is not a complete epoch line (blank, torn by a kill, edited by hand). */
function parseMetricsLine(line: string): MetricsLine | undefined {
  try {
    const m = JSON.parse(line) as MetricsLine;
    return typeof m.epoch === 'number' && m.train && m.test ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The complete lines of `dir`/metrics.jsonl (a torn last line is skipped); none when the file is absent. */
export function readMetrics(dir: string): MetricsLine[] {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const m = parseMetricsLine(line);
      return m ? [m] : [];
    });
}

/** Keeps only metrics lines of epochs ≤ `epoch`, byte for byte (used on resume, so the log matches the checkpoint). */
export function truncateMetrics(dir: string, epoch: number): void {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return;
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => (parseMetricsLine(line)?.epoch ?? Infinity) <= epoch);
  writeFileAtomic(path, kept.map((l) => `${l}\n`).join(''));
}

/**
 * A run directory and the files a training job writes in it. Every name is here (or imported
 * from the module that owns the format: train/checkpoint.ts for checkpoint.safetensors and
 * state.json, run-lock.ts for .lock), and every write goes through a method, so a job holds one
 * `RunDir` instead of joining paths. Readers of a finished run (eval, export, the latent tools)
 * use the same names.
 */
export class RunDir {
  constructor(readonly dir: string) {}

  /** A directory for a new run: fails, changing nothing, unless it may hold one (see {@link checkNewRunDir}). */
  static checkNew(dir: string, force: boolean): RunDir {
    checkNewRunDir(dir, force);
    return new RunDir(dir);
  }

  /**
   * An existing run to continue: fails with a {@link NoCheckpointError} when it has no checkpoint
   * (telling a start killed before its first epoch ended from a wrong path), and when another live
   * writer holds it.
   */
  static openForResume(dir: string): RunDir {
    const run = new RunDir(dir);
    if (!hasCheckpoint(dir)) {
      const started = existsSync(run.path(METRICS_FILE));
      throw new NoCheckpointError(`--resume ${dir}: no checkpoint there (expected ${run.path(CHECKPOINT_FILE)})${started ? '; the run stopped before its first epoch ended, so start it again without --resume (the same --out works)' : ''}`);
    }
    checkRunNotLocked(dir);
    return run;
  }

  /** The path of `file` in the run directory. */
  path(file: string): string {
    return join(this.dir, file);
  }

  /** Creates the directory (if absent) and takes its writer's lock (run-lock.ts). */
  acquireLock(): RunLock {
    mkdirSync(this.dir, { recursive: true });
    return acquireRunLock(this.dir);
  }

  /**
   * Starts a new run here (see {@link prepareNewRunDir}): the files of a previous run are removed,
   * then the preprocessing statistics and an empty metrics.jsonl are written.
   */
  createFresh(force: boolean, preprocess: { readonly standardize?: StandardizeStats }): void {
    prepareNewRunDir(this.dir, force);
    this.writePreprocess(preprocess);
    writeFileAtomic(this.path(METRICS_FILE), '');
  }

  readConfig(): SavedRunConfig {
    return readRunConfig(this.dir);
  }

  writeConfig(config: RunConfig): void {
    writeRunConfig(this.dir, config);
  }

  /**
   * Writes the standardisation statistics to preprocess.json (atomically):
   * `{ "standardize": { "features": d, "stdFloor": 1e-6, "mean": [μ_0, ...], "std": [σ_0, ...] } }`
   * (float32 values, written exactly; read back by run-data.ts `readRunPreprocess`). Writes
   * nothing when there are no statistics.
   */
  writePreprocess(preprocess: { readonly standardize?: StandardizeStats }): void {
    if (preprocess.standardize === undefined) return;
    const { mean, std } = preprocess.standardize;
    const file = { standardize: { features: mean.length, stdFloor: STD_FLOOR, mean: Array.from(mean), std: Array.from(std) } };
    writeFileAtomic(this.path(PREPROCESS_FILE), `${JSON.stringify(file)}\n`);
  }

  /** Appends one epoch's line to metrics.jsonl, durably (on disk before the checkpoint that follows it). */
  appendMetrics(line: MetricsLine): void {
    appendLineDurable(this.path(METRICS_FILE), JSON.stringify(line));
  }

  readMetrics(): MetricsLine[] {
    return readMetrics(this.dir);
  }

  truncateMetrics(epoch: number): void {
    truncateMetrics(this.dir, epoch);
  }

  /** Drops the temp files of atomic writes a killed writer had under way (persist/atomic.ts). */
  removeDeadWritersTempFiles(): void {
    removeDeadWritersTempFiles(this.dir);
  }

  /** checkpoint.safetensors and its state.json mirror (format: train/checkpoint.ts; files: checkpoint-file.ts). */
  saveCheckpoint(state: PingPongBuffers, progress: TrainerProgress, family: string): Promise<void> {
    return saveCheckpoint(this.dir, state, progress, family);
  }

  /** The validated checkpoint of a run of `family` (checkpoint-file.ts `loadCheckpoint`). */
  loadCheckpoint(family: string): Promise<LoadedCheckpoint> {
    return loadCheckpoint(this.dir, { family });
  }

  /** Rewrites state.json from `progress` (checkpoint-file.ts `writeStateMirror`). */
  writeStateMirror(progress: TrainerProgress): void {
    writeStateMirror(this.dir, progress);
  }
}
