/**
 * `trainRun`: the whole training job behind `latentkit train`, as a library call.
 * Loads data, validates the model config, trains with per-epoch evaluation, writes the
 * run directory (config, checkpoint after every epoch, metrics.jsonl, image grids) and
 * returns the summary that `--json` prints. Resuming continues from the last checkpoint
 * with the same generator states, so it reproduces an uninterrupted run bit for bit.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Split } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { countActiveUnits } from '../latent/active-units.js';
import { Codec } from '../latent/codec.js';
import { checkLabels, modelForData } from '../models/for-data.js';
import { type FamilyConfig, getFamily } from '../models/registry.js';
import type { ProcedureContext } from '../models/types.js';
import { stageTrainer } from './stage-trainer.js';
import { loadRunData } from './run-data.js';
import type { AutoencoderModel } from '../models/types.js';
import { CHECKPOINT_FILE, restoreState } from '../train/checkpoint.js';
import { DivergedError, type EpochResult, type MidEpochCheckpoints, type StepEvent, type TermValues, Trainer, type TrainerOptions, type TrainerProgress } from '../train/trainer.js';
import { imageLayout } from '../viz/image-layout.js';
import { nodeBackend } from '../runtime/node.js';
import { writeRunPictures } from './run-pictures.js';
import type { RunLock } from './run-lock.js';
import { checkTrainingMemory } from './training-memory-check.js';
import { type DataSettings, type RunConfig, RunDir } from './run-dir.js';
import { DEFAULT_TRAIN, trainerSettingsFor, type TrainSettings, trainSettingsSchema } from './train-settings.js';

export { DEFAULT_TRAIN } from './train-settings.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const VERSION = pkg.version;

export interface TrainRunOptions {
  /** Model family and its options (validated by the family's schema; `inputShape` is taken from the data). */
  readonly model?: { readonly family: string } & Readonly<Record<string, unknown>>;
  readonly train?: Partial<TrainSettings>;
  readonly data?: DataSettings;
  /** Run directory; default `runs/<family>-<timestamp>`. */
  readonly out?: string;
  /** Overwrite a non-empty `out`. */
  readonly force?: boolean;
  /** Continue the run in this directory (its config wins; `train.epochs` may extend it). */
  readonly resume?: string;
  readonly threads?: number;
  readonly onStep?: (e: StepEvent & { readonly epochs: number }) => void;
  readonly onEpoch?: (e: EpochSummary) => void;
  /** Write report.html at the end (default true; see report-run.ts). */
  readonly report?: boolean;
  /**
   * Save a mid-epoch checkpoint after the step that reaches every multiple of this many steps
   * (0: only at epoch ends). Default: {@link STREAM_CHECKPOINT_EVERY} for streamed data, 0 in memory.
   */
  readonly checkpointEvery?: number;
  /** Progress lines of a family's steps around the main training (e.g. a stacked AE's pretraining). */
  readonly onNote?: (line: string) => void;
}

export interface EpochSummary extends EpochResult {
  readonly epochs: number;
  readonly test: TermValues;
}

/** The `--json` summary. Terms are per sample, in nats for likelihood terms. */
export interface TrainSummary {
  readonly model: string;
  readonly epochs: number;
  readonly steps: number;
  readonly samples_per_sec: number;
  readonly train: TermValues;
  readonly test: TermValues;
  readonly out: string;
}

/**
 * Default steps between mid-epoch checkpoints of streamed data: 10,000 steps of 128 rows are
 * 1.28M rows, about a minute at the reference VAE's ~20k samples/s (an epoch over 10M rows is ~8).
 */
export const STREAM_CHECKPOINT_EVERY = 10_000;


function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * End-of-run artifacts from the trained codec: for models with a posterior mean `mu`, the
 * number of active latent units on the test split; for image data, the pictures of
 * run-pictures.ts (reconstructions.png, samples.png).
 */
async function finalArtifacts(dir: string, config: RunConfig['model'], model: AutoencoderModel, trainer: Trainer, split: Split, seed: number, threads?: number): Promise<TermValues> {
  const runtime = { backend: trainer.options.backend, threads };
  const codec = await Codec.compile(model, trainer.state, runtime);
  try {
    const { test } = split;
    const extra: TermValues = {};
    if (codec.codeNames.includes('mu')) {
      const { mu } = await codec.encode(test.x, test.n, test.labels);
      extra['active_units'] = countActiveUnits(mu!, test.n, model.latentDim);
    }
    const layout = imageLayout(model.inputShape);
    if (layout) await writeRunPictures({ dir, config, model, codec, layout, train: split.train, test, seed, runtime });
    return extra;
  } finally {
    await codec.release();
  }
}

/**
 * Refuses an epoch whose parameters or terms are not finite. The step guard checks each
 * step's loss before its update; the last update of an epoch can still produce NaN weights,
 * which must never reach a checkpoint.
 */
function checkEpochFinite(trainer: Trainer, result: EpochResult, test: TermValues): void {
  const bad = trainer.firstNonFiniteParam();
  const term = [...Object.entries(result.train).map(([k, v]) => [`train ${k}`, v] as const), ...Object.entries(test).map(([k, v]) => [`test ${k}`, v] as const)].find(([, v]) => !Number.isFinite(v));
  if (!bad && !term) return;
  const what = bad ? `parameter ${bad.name}[${bad.index}] is ${bad.value}` : `${term![0]} is ${term![1]}`;
  throw new DivergedError(`training diverged in epoch ${result.epoch}: ${what}`);
}

/** Where a run's last checkpoint stands, for messages: `epoch 3`, or `epoch 4, step 1200` inside an epoch. */
function checkpointPosition(p: TrainerProgress): string {
  return p.inEpoch ? `epoch ${p.epoch + 1}, step ${p.inEpoch.step}` : `epoch ${p.epoch}`;
}

/**
 * A divergence message completed with what was kept and what to do: the last checkpoint
 * written (never a diverged one) and a new run's `--lr`, since `--resume` keeps the run's own.
 */
function divergedWithAdvice(err: DivergedError, lastSaved: TrainerProgress | undefined, lr: number): DivergedError {
  const kept = lastSaved ? `the checkpoint of ${checkpointPosition(lastSaved)} is kept` : 'no checkpoint was written';
  return new DivergedError(`${err.message}; ${kept}. Start a new run with a lower --lr (was ${lr}) or check the data for extreme values`);
}

/**
 * The train and test terms metrics.jsonl logged for `epoch` (empty when the line is missing,
 * e.g. the log was edited by hand; a checkpoint is only ever written after its line).
 */
function loggedEpoch(run: RunDir, epoch: number): { train: TermValues; test: TermValues } {
  const numbers = (terms: Record<string, number | null>): TermValues => Object.fromEntries(Object.entries(terms).filter((e): e is [string, number] => typeof e[1] === 'number'));
  const line = run.readMetrics().filter((m) => m.epoch === epoch).at(-1);
  return { train: line ? numbers(line.train) : {}, test: line ? numbers(line.test) : {} };
}

/**
 * A mid-epoch checkpoint (progress with `inEpoch`), after the same finiteness check on the
 * parameters as at an epoch's end: a diverged state never replaces the last good checkpoint.
 */
async function saveMidEpoch(run: RunDir, trainer: Trainer, progress: TrainerProgress, family: string): Promise<void> {
  const bad = trainer.firstNonFiniteParam();
  if (bad) throw new DivergedError(`training diverged in epoch ${progress.epoch + 1}, step ${progress.inEpoch?.step ?? 0}: parameter ${bad.name}[${bad.index}] is ${bad.value}`);
  await run.saveCheckpoint(trainer.state, progress, family);
}

/** The training settings of a fresh run, validated: one line naming the setting, e.g. `train.lr: must be positive (got 0)`. */
function trainSettings(given: Partial<TrainSettings> | undefined): TrainSettings {
  const parsed = trainSettingsSchema.safeParse({ ...DEFAULT_TRAIN, ...given });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UsageError(`train.${issue.path.join('.')}: ${issue.message}`);
}

export async function trainRun(opts: TrainRunOptions): Promise<TrainSummary> {
  let config: RunConfig;
  let validatedModel: FamilyConfig | undefined;
  let run: RunDir;
  if (opts.resume) {
    run = RunDir.openForResume(opts.resume);
    const saved = run.readConfig();
    validatedModel = saved.model;
    config = { ...saved, train: { ...saved.train, ...(opts.train?.epochs ? { epochs: opts.train.epochs } : {}) } };
  } else {
    const family = opts.model?.family ?? 'vae';
    getFamily(family);
    const dir = opts.out ?? join('runs', `${family}-${timestamp()}`);
    config = {
      latentkit: VERSION,
      model: { family, ...opts.model },
      train: trainSettings(opts.train),
      data: opts.data ?? { spec: 'mnist' },
    };
    run = RunDir.checkNew(dir, opts.force ?? false);
  }
  const out = run.dir;

  const runData = loadRunData(opts.resume ? out : undefined, config.data, { seed: config.train.seed, training: true });
  for (const note of runData.notes ?? []) opts.onNote?.(note);
  const trainRows = runData.stream ?? runData.train;
  const split: Split = runData;
  config = { ...config, data: runData.settings };
  const { model, config: modelConfig } = modelForData(config.model, split.train, validatedModel);
  checkLabels(split.test, 'numClasses' in modelConfig && typeof modelConfig.numClasses === 'number' ? modelConfig.numClasses : model.numClasses);
  config = { ...config, model: modelConfig };
  const t = config.train;

  const trainerOptions: TrainerOptions = {
    ...trainerSettingsFor(t, config.data.binarize === 'dynamic'),
    backend: nodeBackend,
    threads: opts.threads,
  };
  // A model too big for this machine is refused here, before any pretraining or compilation.
  checkTrainingMemory(model, modelConfig, trainerOptions.optimizer, Math.min(t.batchSize, split.train.n));
  // The family's own procedure around the main training (see `FamilyProcedure`); pretraining only starts a fresh run.
  const procedure = getFamily(config.model.family).procedure ?? {};
  const procedureContext: ProcedureContext = { train: split.train, test: split.test, trainer: stageTrainer(trainerOptions), ...(opts.onNote && { log: opts.onNote }) };
  if (runData.stream && procedure.pretrain && !opts.resume) throw new UsageError(`--model ${config.model.family} pretrains layer by layer on data held in memory; it cannot stream ${config.data.spec} (train it in memory, or use --limit on a smaller file)`);
  const initialParams = !opts.resume && procedure.pretrain ? await procedure.pretrain(modelConfig, procedureContext) : undefined;
  let summary: TrainSummary;
  let lock: RunLock | undefined;
  const trainer = await Trainer.create(model, initialParams ? { ...trainerOptions, initialParams } : trainerOptions);
  try {
    // One writer per run directory, from here until the report is written.
    lock = run.acquireLock();
    if (opts.resume) {
      const ckpt = await run.loadCheckpoint(config.model.family);
      restoreState(trainer.state, ckpt, run.path(CHECKPOINT_FILE));
      trainer.restoreProgress(ckpt.progress);
      if (ckpt.progress.inEpoch && ckpt.progress.epoch >= t.epochs) throw new UsageError(`--resume ${out}: the checkpoint is inside epoch ${ckpt.progress.epoch + 1}; pass --epochs N with N ≥ ${ckpt.progress.epoch + 1}`);
      run.truncateMetrics(ckpt.progress.epoch);
      // Writes a killed writer had under way (temp files named by its pid) are dropped.
      run.removeDeadWritersTempFiles();
      if (ckpt.progress.epoch > t.epochs) throw new UsageError(`--resume ${out}: the run already finished ${ckpt.progress.epoch} epochs; pass --epochs N with N > ${ckpt.progress.epoch} to continue, or no --epochs to finish its outputs`);
      // All epochs trained (e.g. killed after the final checkpoint): no epoch runs below, and the
      // final outputs are written again. They are rewritten rather than skipped when present,
      // because a file's presence cannot tell this run's pictures from those of an earlier,
      // shorter run that `--epochs` extended; the same checkpoint and seed give the same bytes.
      if (ckpt.progress.epoch === t.epochs) {
        opts.onNote?.(`${out}: training already finished (epoch ${t.epochs} of ${t.epochs}); writing the final outputs (pictures${opts.report === false ? '' : ', report'}) from the last checkpoint`);
        run.writeStateMirror(trainer.progress);
      }
    } else {
      run.createFresh(opts.force ?? false, runData.preprocess);
    }
    run.writeConfig(config);

    let trainSeconds = 0;
    let trainSamples = 0;
    let last: EpochSummary | undefined;
    const every = opts.checkpointEvery ?? (runData.stream ? STREAM_CHECKPOINT_EVERY : 0);
    // The last checkpoint written, named in a divergence message (nothing diverged is ever saved).
    let lastSaved: TrainerProgress | undefined = opts.resume ? trainer.progress : undefined;
    const midEpoch: MidEpochCheckpoints | undefined =
      every > 0
        ? {
            every,
            save: async (p) => {
              await saveMidEpoch(run, trainer, p, model.family);
              lastSaved = p;
            },
          }
        : undefined;
    try {
      while (trainer.progress.epoch < t.epochs) {
        const result = await trainer.trainEpoch(trainRows, t.epochs, (e) => opts.onStep?.({ ...e, epochs: t.epochs }), midEpoch);
        trainSeconds += result.seconds;
        trainSamples += result.samples;
        const test = await trainer.evaluate(split.test);
        // Nothing of a diverged epoch is saved: the previous checkpoint (if any) stays the last good one.
        checkEpochFinite(trainer, result, test);
        last = { ...result, epochs: t.epochs, test };
        run.appendMetrics({ epoch: result.epoch, step: result.step, train: result.train, test, seconds: result.seconds, samples_per_sec: result.samplesPerSec });
        await run.saveCheckpoint(trainer.state, trainer.progress, model.family);
        lastSaved = trainer.progress;
        opts.onEpoch?.(last);
      }
    } catch (err) {
      throw err instanceof DivergedError ? divergedWithAdvice(err, lastSaved, t.lr) : err;
    }
    const extra = await finalArtifacts(out, config.model, model, trainer, split, t.seed, opts.threads);
    if (procedure.afterTraining) {
      const params = trainer.paramValues();
      // The run's programs have done their work; the procedure's stages compile their own.
      await trainer.release();
      Object.assign(extra, await procedure.afterTraining(modelConfig, { ...procedureContext, params }));
    }
    // A resumed finished run trained no epoch here: its last epoch's terms come from metrics.jsonl.
    const terms = last ?? loggedEpoch(run, trainer.progress.epoch);
    summary = {
      model: model.family,
      epochs: trainer.progress.epoch,
      steps: trainer.progress.step,
      samples_per_sec: trainSeconds > 0 ? trainSamples / trainSeconds : 0,
      train: terms.train,
      test: { ...terms.test, ...extra },
      out,
    };
  } catch (e) {
    lock?.release();
    throw e;
  } finally {
    await trainer.release();
    runData.close?.();
  }
  try {
    if (opts.report !== false) {
      // report-run.ts (probes, maps, the page) is loaded only when used: about a quarter of `train`'s start-up imports.
      const { REPORT_FILE, reportRun } = await import('./report-run.js');
      opts.onNote?.(`writing ${run.path(REPORT_FILE)} (probes, latent map, pictures)`);
      await reportRun({ dir: out, ...(opts.threads !== undefined && { threads: opts.threads }) });
    }
  } finally {
    lock.release();
  }
  return summary;
}
