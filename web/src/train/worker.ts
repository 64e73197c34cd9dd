/**
 * The Train tab's Web Worker: trains one of the dense families with the portable core
 * (models registry, Trainer, Codec) on onnxruntime-web, so the page stays responsive.
 *
 * It imports the portable core through src/browser.ts. A run is what `latentkit train` does, step for step: the model config validated by its
 * family's schema with `inputShape` [D] from the data (and `numClasses` from the labels for
 * families that read them), Adam at the given rate, the run seed's initialisation, data order
 * and noise, 8 full-batch steps chained per ONNX Runtime call, the test split evaluated after
 * every epoch. So the run directory it hands back (run-files.ts) is one the CLI reads
 * (`latentkit eval`, `export`, `train --resume`).
 *
 * Between chained calls (the Trainer's mid-epoch hook, every step) the worker yields to its
 * message queue: `pause` waits there, `stop` ends the run where it is (the checkpoint then sits
 * inside the epoch, which `train --resume` continues). After each epoch it posts the terms,
 * the reconstructions of a fixed test batch and the map of a fixed test subset.
 */
import {
  type AutoencoderModel,
  Codec,
  createWebBackend,
  DEFAULT_TRAIN,
  type Dataset,
  type EpochResult,
  getFamily,
  type Split,
  subset,
  trainerSettingsFor,
  trainSettingsSchema,
  Trainer,
  type TrainerOptions,
  type TrainerProgress,
  type WebBackend,
  Graph,
  modelForData,
  ops,
  Program,
  seededSplit,
  SINGLE_FILE_TEST_FRACTION,
  stageTrainer,
} from '../../../src/browser.js';
import { ZodError } from 'zod';
import { fetchDigits } from './digits.js';
import { mapOf } from './latent-map.js';
import type { DataChoice, FromWorker, Rows, TabSettings, ToWorker } from './protocol.js';
import { exploreFiles } from './explore-files.js';
import { CONFIG_FILE, exportModel, METRICS_FILE, runFiles, type EpochLine, type RunRecord } from './run-files.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);

/** Rows of the fixed reconstruction batch and of the map (the first test rows). */
const RECON_ROWS = 8;
const MAP_ROWS = 1000;
/** Progress messages at most this often (ms). */
const PROGRESS_EVERY_MS = 100;

/** The user's controls, read between chained calls. */
class Controls {
  paused = false;
  stopped = false;
  private wake: (() => void) | undefined;
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.wake?.();
  }
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
  /** Resolves at once unless paused; then when resumed or stopped. */
  async gate(): Promise<void> {
    // A macrotask: lets pause/stop messages that arrived during the last call be handled.
    await new Promise<void>((r) => setTimeout(r, 0));
    if (!this.paused || this.stopped) return;
    post({ type: 'paused' });
    await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
    if (!this.stopped) post({ type: 'resumed' });
  }
}

class StopRequested extends Error {}

let backend: Promise<WebBackend> | undefined;
let controls: Controls | undefined;

/**
 * The web back end, made once per worker (ORT-web's wasm settings are fixed by its first session).
 * Its first session pays for compiling the wasm runtime and starting its threads (about 6 s on a
 * busy 2-core machine, whatever the model), so `warm` opens a one-node session early.
 */
function webBackend(pageUrl: string, threads: number | undefined): Promise<WebBackend> {
  backend ??= createWebBackend({ wasmPaths: new URL('ort/', pageUrl).href, ...(threads !== undefined && { threads }) }).then(async (b) => {
    const g = new Graph();
    const warm = await Program.compile('warm-up', { y: ops.relu(g.input('x', [1])) }, { backend: b });
    await warm.release();
    return b;
  });
  return backend;
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'warm') {
    webBackend(m.pageUrl, m.threads).then(
      (b) => post({ type: 'runtime', threads: b.threads, crossOriginIsolated: b.crossOriginIsolated, note: b.threadsNote ?? null }),
      () => {}, // reported by the run that needs it
    );
  } else if (m.type === 'start') {
    if (controls) return; // one run at a time; the page disables Train while one runs
    const c = new Controls();
    controls = c;
    void train(m.settings, m.data, m.pageUrl, m.threads, c).finally(() => {
      controls = undefined;
    });
  } else if (m.type === 'pause') controls?.pause();
  else if (m.type === 'resume') controls?.resume();
  else if (m.type === 'stop') controls?.stop();
};

/** The data's train/test split: the digits' fixed split (train cut to `limit`), or a dropped file split by the run seed as the CLI splits a file. */
async function loadSplit(data: DataChoice, pageUrl: string, seed: number): Promise<{ split: Split; spec: Record<string, unknown> }> {
  if (data.kind === 'digits') {
    const { train, test } = await fetchDigits(pageUrl);
    const limit = Math.min(data.limit, train.n);
    return { split: { train: limit < train.n ? subset(train, limit) : train, test }, spec: { spec: 'mnist', ...(limit < train.n && { limit }), splitSeed: seed } };
  }
  const ds = data.dataset;
  return { split: seededSplit(ds, SINGLE_FILE_TEST_FRACTION, seed), spec: { spec: ds.name, splitSeed: seed, testFraction: SINGLE_FILE_TEST_FRACTION } };
}

/** The model as `latentkit train` configures it for this data (models/for-data.ts); a setting its schema refuses is one line. */
function modelFor(settings: TabSettings, train: Dataset): { model: AutoencoderModel; config: Record<string, unknown> & { family: string } } {
  try {
    const { model, config } = modelForData({ family: settings.family, latent: settings.latent, hidden: [...settings.hidden] }, train);
    return { model, config: config as unknown as Record<string, unknown> & { family: string } };
  } catch (e) {
    if (!(e instanceof ZodError)) throw e;
    const issue = e.issues[0]!;
    throw new Error(`${settings.family}: ${issue.path.join('.')}: ${issue.message}`);
  }
}

function rowsOf(ds: Dataset, n: number): Rows {
  const d = ds.x.length / ds.n;
  return { n, shape: [...ds.sampleShape], values: ds.x.slice(0, n * d) };
}

async function train(settings: TabSettings, data: DataChoice, pageUrl: string, threads: number | undefined, c: Controls): Promise<void> {
  let trainer: Trainer | undefined;
  let codec: Codec | undefined;
  /** The last position that can be saved: an epoch's end, or (after a stop) the step it stopped at. */
  let saved: { progress: TrainerProgress; state: Record<string, { data: Float32Array; shape: readonly number[] }> } | undefined;
  let record: RunRecord | undefined;
  const metrics: EpochLine[] = [];
  try {
    const runtime = await webBackend(pageUrl, threads);
    post({ type: 'runtime', threads: runtime.threads, crossOriginIsolated: runtime.crossOriginIsolated, note: runtime.threadsNote ?? null });
    const { split, spec } = await loadSplit(data, pageUrl, settings.seed);
    const { model, config } = modelFor(settings, split.train);
    // `latentkit train`'s settings (Adam, constant rate) with the tab's epochs, batch, rate and seed.
    const train = trainSettingsSchema.parse({ ...DEFAULT_TRAIN, epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, seed: settings.seed });
    const options: TrainerOptions = { backend: runtime, ...trainerSettingsFor(train, false) };
    record = {
      config: {
        model: config,
        train,
        data: spec,
      },
      family: model.family,
    };
    const procedure = getFamily(settings.family).procedure;
    const initialParams = procedure?.pretrain ? await procedure.pretrain(config as never, { train: split.train, test: split.test, trainer: stageTrainer(options) }) : undefined;
    trainer = await Trainer.create(model, initialParams ? { ...options, initialParams } : options);
    codec = await Codec.compile(model, trainer.state, { backend: runtime });
    const terms = trainer.compiled.phases.flatMap((p) => p.graph.phase.terms);
    const stepsPerEpoch = Math.ceil(split.train.n / settings.batchSize);
    const reconRows = Math.min(RECON_ROWS, split.test.n);
    const mapRows = Math.min(MAP_ROWS, split.test.n);
    const test = split.test;
    const d = test.x.length / test.n;
    const runName = `${model.family}-${settings.latent}d-seed${settings.seed}`;
    post({
      type: 'started',
      run: runName,
      family: model.family,
      terms,
      trainRows: split.train.n,
      testRows: test.n,
      stepsPerEpoch,
      epochs: settings.epochs,
      originals: rowsOf(test, reconRows),
      labelNames: test.labels ? (test.classNames ?? Array.from({ length: test.numClasses ?? 0 }, (_, i) => String(i))) : null,
    });

    const t = trainer;
    let lastPost = 0;
    let windowStart = performance.now();
    let windowSamples = 0;
    let stopAt: TrainerProgress | undefined;
    while (t.progress.epoch < settings.epochs) {
      let result: EpochResult;
      try {
        result = await t.trainEpoch(
          split.train,
          settings.epochs,
          (s) => {
            windowSamples += s.samples - (s.stepInEpoch - 1) * settings.batchSize; // this step's rows
            const now = performance.now();
            if (now - lastPost < PROGRESS_EVERY_MS && s.stepInEpoch !== s.stepsPerEpoch) return;
            const rate = (windowSamples / (now - windowStart)) * 1000;
            [lastPost, windowStart, windowSamples] = [now, now, 0];
            post({ type: 'progress', epoch: s.epoch, step: s.stepInEpoch, stepsPerEpoch: s.stepsPerEpoch, samplesPerSec: rate, terms: s.terms });
          },
          {
            every: 1,
            save: async (p) => {
              const waited = performance.now();
              await c.gate();
              if (c.stopped) {
                stopAt = p;
                throw new StopRequested();
              }
              windowStart += performance.now() - waited; // a pause is not training time
            },
          },
        );
      } catch (e) {
        if (!(e instanceof StopRequested)) throw e;
        saved = { progress: stopAt!, state: t.state.snapshot() };
        break;
      }
      const testTerms = await t.evaluate(test);
      const bad = t.firstNonFiniteParam();
      if (bad) throw new Error(`training diverged in epoch ${result.epoch}: parameter ${bad.name}[${bad.index}] is ${bad.value}; lower the learning rate`);
      metrics.push({ epoch: result.epoch, step: result.step, train: result.train, test: testTerms, seconds: result.seconds, samples_per_sec: result.samplesPerSec });
      saved = { progress: t.progress, state: t.state.snapshot() };
      const reconstructions = await codec.reconstruct(test.x.subarray(0, reconRows * d), reconRows, test.labels?.subarray(0, reconRows));
      const encoded = await codec.encode(test.x.subarray(0, mapRows * d), mapRows, test.labels?.subarray(0, mapRows));
      const map = mapOf(encoded['mu'] ?? encoded['z']!, mapRows, model.latentDim);
      const labels = test.labels ? test.labels.slice(0, mapRows) : null;
      post(
        {
          type: 'epoch',
          epoch: result.epoch,
          train: result.train,
          test: testTerms,
          seconds: result.seconds,
          samplesPerSec: result.samplesPerSec,
          reconstructions: { n: reconRows, shape: [...test.sampleShape], values: reconstructions },
          map: { xy: map.xy, labels, method: map.method },
        },
        [reconstructions.buffer, map.xy.buffer],
      );
      if (c.stopped) break;
      await c.gate();
      if (c.stopped) break;
    }
    await finish(record, saved, metrics, c.stopped, { codec, split, runName, seed: settings.seed });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // What was trained before the failure stays downloadable.
    if (record && saved) await finish(record, saved, metrics, true, undefined).catch(() => {});
    post({ type: 'error', message, kept: Boolean(record && saved) });
  } finally {
    await codec?.release().catch(() => {});
    await trainer?.release().catch(() => {});
  }
}

/** Posts the run directory's files (and, for a trained model, its explorer bundle). */
async function finish(
  record: RunRecord,
  saved: { progress: TrainerProgress; state: Record<string, { data: Float32Array; shape: readonly number[] }> } | undefined,
  metrics: readonly EpochLine[],
  stopped: boolean,
  live: { codec: Codec; split: Split; runName: string; seed: number } | undefined,
): Promise<void> {
  if (!saved) {
    post({ type: 'finished', stopped, epochs: 0, files: {}, explore: null });
    return;
  }
  const files = await runFiles(record, saved.progress, saved.state, metrics);
  let explore = null;
  if (live) {
    const exported = exportModel(live.codec.model, saved.state);
    const config = JSON.parse(new TextDecoder().decode(files[CONFIG_FILE])) as Record<string, unknown>;
    explore = await exploreFiles({ runName: live.runName, config, codec: live.codec, exported, train: live.split.train, test: live.split.test, seed: live.seed, metrics: files[METRICS_FILE]! });
  }
  post({ type: 'finished', stopped, epochs: saved.progress.epoch, files, explore });
}
