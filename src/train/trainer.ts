/**
 * The Trainer: seeded initialisation, shuffled batches, one compiled-program call per
 * phase per step, scheduled scalars (KL warm-up, learning rate), the NaN guard, epoch
 * metrics and evaluation. It owns the state store (parameters, model state such as batch
 * norm's running statistics, and optimizer state); persistence lives in `checkpoint.ts`.
 *
 * Training data is in memory (a `Dataset`: each epoch visits a permutation of all rows drawn
 * from the data generator) or streamed from a file (a `StreamingData`: each epoch visits the
 * windowed block shuffle of stream.ts, drawn from the same generator). Either way the
 * position at a step boundary is (the data generator's state at the start of the epoch, the
 * step in the epoch): a mid-epoch checkpoint records both (plus the noise generator's state
 * and the epoch's partial term sums), and a resume re-draws the epoch's order and continues
 * at that step, bit for bit as the uninterrupted run.
 */
import type { Dataset } from '../data/dataset.js';
import type { TrainableModel } from '../models/types.js';
import type { ScheduleAt } from '../nn/builder.js';
import { Rng, type RngState } from '../nn/rng.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { PingPongBuffers } from '../runtime/buffers.js';
import type { RuntimeOptions, Tensor } from '../runtime/program.js';
import { UsageError } from '../errors.js';
import { BatchFeeder } from './batches.js';
import { averageOverData } from './evaluate.js';
import { type CompiledStep, type CompiledTraining, compileTraining, stepSuffix } from './programs.js';
import { isStreaming, StreamEpoch, type StreamingData, type StreamPosition } from './stream.js';

export type TermValues = Record<string, number>;

/** Learning rate for a step; `baseLr` is the optimizer's configured rate. */
export type LrSchedule = (at: ScheduleAt & { readonly baseLr: number }) => number;

export const constantLr: LrSchedule = ({ baseLr }) => baseLr;
/** Cosine decay from baseLr to 0 over the whole run (Loshchilov & Hutter 2017, without restarts). */
export const cosineLr: LrSchedule = ({ step, totalSteps, baseLr }) => 0.5 * baseLr * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));

export interface TrainerOptions extends RuntimeOptions {
  readonly batchSize: number;
  readonly seed: number;
  readonly optimizer: OptimizerConfig;
  readonly lrSchedule?: LrSchedule;
  /** Parameter values to start from instead of the seeded initialisers (e.g. pretrained layers). */
  readonly initialParams?: Readonly<Record<string, Float32Array>>;
  /**
   * Full-batch steps chained into one ONNX Runtime call (default 8; 1 = one call per step).
   * The arithmetic is that of separate steps; the chain saves the per-call copy of the
   * whole state that onnxruntime-node makes into fresh JS buffers.
   */
  readonly stepsPerRun?: number;
  /**
   * Train on x̃ ~ Bernoulli(x), drawn afresh for every batch from the noise generator (dynamic
   * binarisation; x must lie in [0, 1]). Evaluation sees the data as given.
   */
  readonly dynamicBinarize?: boolean;
}

/** Where a run is: completed epochs, global step, and the generator states that continue it. */
export interface TrainerProgress {
  readonly epoch: number;
  readonly step: number;
  /**
   * `data`: the data generator's state at the start of the next epoch to run (mid-epoch: of the
   * epoch in progress, whose order is re-drawn from it); `noise`: the noise generator's state now.
   */
  readonly rng: { readonly data: RngState; readonly noise: RngState };
  /** Present when the run stopped inside epoch `epoch + 1`. */
  readonly inEpoch?: EpochPosition;
}

/** How far into an epoch a run is (at a step boundary). */
export interface EpochPosition {
  /** Steps of the epoch already done. */
  readonly step: number;
  /** Training rows of the epoch (the data a resume sees must have as many). */
  readonly rows: number;
  /** Per term, Σ value · batch rows over the steps done (the epoch's mean is the total sum / rows). */
  readonly sums: TermValues;
  /** Streamed data: the reader's window and offset of the next row, and the window key (a check on the re-drawn order). */
  readonly stream?: StreamPosition;
}

/** Mid-epoch checkpoints: after the step (or chain of steps) that reaches a multiple of `every` global steps. */
export interface MidEpochCheckpoints {
  readonly every: number;
  /** Receives the position to save (never after the epoch's last step: the epoch's end is saved by the caller). */
  readonly save: (progress: TrainerProgress) => void | Promise<void>;
}

export interface StepEvent {
  readonly epoch: number;
  readonly stepInEpoch: number;
  readonly stepsPerEpoch: number;
  readonly samples: number;
  readonly terms: TermValues;
}

export interface EpochResult {
  /** 1-based index of the epoch just finished. */
  readonly epoch: number;
  readonly step: number;
  /** Terms averaged over the epoch's samples (per sample). */
  readonly train: TermValues;
  /** Rows trained in this call (fewer than the epoch's when it resumed mid-epoch). */
  readonly samples: number;
  readonly seconds: number;
  readonly samplesPerSec: number;
}

/** Full-batch training steps per ONNX Runtime call, unless `TrainerOptions.stepsPerRun` says otherwise. */
export const DEFAULT_STEPS_PER_RUN = 8;

export class DivergedError extends Error {
  override readonly name = 'DivergedError';
}

const read = (t: Tensor): number => (t.data as Float32Array)[0]!;

export class Trainer {
  readonly state: PingPongBuffers;
  private dataRng!: Rng;
  private noiseRng!: Rng;
  private epochsDone = 0;
  private steps = 0;
  /** The position inside the next epoch that a restored mid-epoch checkpoint asks to continue from. */
  private resumeAt: EpochPosition | undefined;
  /** Per phase: its pre-allocated term outputs and learning-rate input. */
  private readonly phaseIo: { terms: Record<string, Tensor>; lr: Tensor }[];
  /** The chained program's pre-allocated term outputs and per-step learning-rate inputs. */
  private readonly chainIo: { terms: Record<string, Tensor>; lrs: Tensor[] } | undefined;
  private readonly schedTensors: Record<string, Tensor> = {};
  private stepsPerEpoch = 1;
  private totalSteps = 1;
  private released = false;

  private constructor(
    readonly model: TrainableModel,
    readonly options: TrainerOptions,
    readonly compiled: CompiledTraining,
  ) {
    this.state = new PingPongBuffers(compiled.stateSpecs, options.backend);
    const scalar = (): Tensor => options.backend.float32(new Float32Array(1), []);
    this.restart(options.initialParams);
    this.phaseIo = compiled.phases.map((p) => ({ terms: Object.fromEntries(p.graph.phase.terms.map((t) => [t, scalar()])), lr: scalar() }));
    for (const s of compiled.schedules) this.schedTensors[s.name] = scalar();
    const chain = compiled.chain?.graph;
    this.chainIo = chain && {
      terms: Object.fromEntries(Object.keys(chain.outputs).filter((k) => !k.startsWith('next:')).map((k) => [k, scalar()])),
      lrs: chain.lrInputs.map(() => scalar()),
    };
  }

  /**
   * Starts afresh on the programs compiled already, as `Trainer.create` with these
   * `initialParams` would: parameters from `initialParams` or the seeded initialisers, model
   * state initialised, optimizer state zero, data and noise generators reseeded, no epoch or
   * step done. (A stacked AE's head trains from its pretrained encoder, then from scratch.)
   */
  restart(initialParams?: Readonly<Record<string, Float32Array>>): void {
    for (const s of this.compiled.stateSpecs) this.state.get(s.name).fill(0);
    const initRng = new Rng(`${this.options.seed}:init`);
    for (const p of this.compiled.params) {
      const fresh = p.init(initRng, p.shape);
      this.state.set(p.name, initialParams?.[p.name] ?? fresh);
    }
    // Model state (batch norm's running statistics: zeros and ones) after every parameter, so
    // the parameters' draws from initRng are those of the same model without state.
    for (const s of this.compiled.states) this.state.set(s.name, initialParams?.[s.name] ?? s.init(initRng, s.shape));
    this.dataRng = new Rng(`${this.options.seed}:data`);
    this.noiseRng = new Rng(`${this.options.seed}:noise`);
    this.epochsDone = 0;
    this.steps = 0;
    this.resumeAt = undefined;
  }

  /** Compiles the model's programs and initialises its parameters from `options.seed`. */
  static async create(model: TrainableModel, options: TrainerOptions): Promise<Trainer> {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`batch size must be a positive integer (got ${options.batchSize})`);
    if (!(options.optimizer.lr > 0)) throw new RangeError(`learning rate lr must be a positive number (got ${options.optimizer.lr})`);
    return new Trainer(model, options, await compileTraining(model, options.optimizer, options, options.stepsPerRun ?? DEFAULT_STEPS_PER_RUN));
  }

  get progress(): TrainerProgress {
    const p = { epoch: this.epochsDone, step: this.steps, rng: { data: this.dataRng.state(), noise: this.noiseRng.state() } };
    return this.resumeAt ? { ...p, inEpoch: this.resumeAt } : p;
  }

  /** Continues from a saved position (the state store must be restored separately). */
  restoreProgress(p: TrainerProgress): void {
    this.epochsDone = p.epoch;
    this.steps = p.step;
    this.dataRng = new Rng({ state: p.rng.data });
    this.noiseRng = new Rng({ state: p.rng.noise });
    this.resumeAt = p.inEpoch;
  }

  private at(epoch: number): ScheduleAt {
    return { step: this.steps, epoch, stepsPerEpoch: this.stepsPerEpoch, totalSteps: this.totalSteps };
  }

  private setSchedules(at: ScheduleAt): void {
    for (const s of this.compiled.schedules) (this.schedTensors[s.name]!.data as Float32Array)[0] = s.value(at);
  }

  /**
   * Runs one epoch over `data` in a fresh random order (or the rest of the epoch a restored
   * mid-epoch progress stopped in); `totalEpochs` sizes the schedules.
   */
  async trainEpoch(data: Dataset | StreamingData, totalEpochs: number, onStep?: (e: StepEvent) => void, checkpoints?: MidEpochCheckpoints): Promise<EpochResult> {
    const { batchSize } = this.options;
    const feedOpts = { backend: this.options.backend, dynamicBinarize: this.options.dynamicBinarize ?? false };
    const feeder = new BatchFeeder(data, this.model.inputShape, this.model.numClasses, this.compiled.noises, '', feedOpts);
    const chain = this.compiled.chain;
    const chainFeeders = chain
      ? Array.from({ length: chain.graph.steps }, (_, i) => {
          const suffix = stepSuffix(i, chain.graph.steps);
          return new BatchFeeder(data, this.model.inputShape, this.model.numClasses, chain.graph.noises.filter((n) => n.name.endsWith(suffix)), suffix, feedOpts);
        })
      : [];
    const resume = this.resumeAt;
    if (resume && resume.rows !== data.n) throw new UsageError(`the checkpoint stopped inside an epoch over ${resume.rows} training rows, but ${data.name} now gives ${data.n}; resume with the data it was trained on`);
    const epochStart = this.dataRng.state();
    const stream = isStreaming(data) ? StreamEpoch.draw(data, this.dataRng) : undefined;
    const order = stream ? null : this.dataRng.permutation(data.n);
    if (resume) checkStreamPosition(resume, stream?.position(resume.step * batchSize));
    this.resumeAt = undefined;
    const rows: Rows = { order, stream, batchSize };
    this.stepsPerEpoch = Math.ceil(data.n / batchSize);
    this.totalSteps = this.stepsPerEpoch * totalEpochs;
    const fullSteps = Math.floor(data.n / batchSize);
    const epoch = this.epochsDone + 1;
    const sums: TermValues = resume ? { ...resume.sums } : {};
    const report = (s: number, count: number, terms: TermValues): void => {
      for (const [t, v] of Object.entries(terms)) sums[t] = (sums[t] ?? 0) + v * count;
      onStep?.({ epoch, stepInEpoch: s + 1, stepsPerEpoch: this.stepsPerEpoch, samples: s * batchSize + count, terms });
    };
    const first = resume?.step ?? 0;
    const t0 = performance.now();
    try {
      for (let s = first; s < this.stepsPerEpoch; ) {
        const before = this.steps;
        if (chain && s + chain.graph.steps <= fullSteps) {
          const perStep = await this.chainedSteps(chain, chainFeeders, rows, s, epoch);
          perStep.forEach((terms, i) => report(s + i, batchSize, terms));
          s += chain.graph.steps;
        } else {
          const count = Math.min(batchSize, data.n - s * batchSize);
          report(s, count, await this.singleStep(feeder, rows, s, count, epoch));
          s++;
        }
        if (checkpoints && s < this.stepsPerEpoch && Math.floor(this.steps / checkpoints.every) > Math.floor(before / checkpoints.every)) {
          const inEpoch: EpochPosition = { step: s, rows: data.n, sums: { ...sums }, ...(stream && { stream: stream.position(s * batchSize) }) };
          await checkpoints.save({ epoch: this.epochsDone, step: this.steps, rng: { data: epochStart, noise: this.noiseRng.state() }, inEpoch });
        }
      }
    } finally {
      await stream?.settle();
    }
    const seconds = (performance.now() - t0) / 1000;
    this.epochsDone = epoch;
    const train: TermValues = {};
    for (const [t, v] of Object.entries(sums)) train[t] = v / data.n;
    const samples = data.n - Math.min(data.n, first * batchSize);
    return { epoch, step: this.steps, train, samples, seconds, samplesPerSec: samples / seconds };
  }

  /** The feeds of step `s`'s batch (`count` rows) from the epoch's rows, with noise drawn from the noise generator. */
  private feed(feeder: BatchFeeder, rows: Rows, s: number, count: number): Record<string, Tensor> | Promise<Record<string, Tensor>> {
    const start = s * rows.batchSize;
    return rows.stream ? feeder.fillStream(rows.stream, start, count, this.noiseRng) : feeder.fill(rows.order, start, count, this.noiseRng);
  }

  private lrAt(at: ScheduleAt): number {
    return (this.options.lrSchedule ?? constantLr)({ ...at, baseLr: this.options.optimizer.lr });
  }

  /** A copy of every parameter's current values, by name (e.g. to start another Trainer from them). */
  paramValues(): Record<string, Float32Array> {
    return Object.fromEntries(this.compiled.params.map((p) => [p.name, this.state.get(p.name).slice()]));
  }

  /** The first parameter holding a NaN or ±Infinity (name and flat index), if any. */
  firstNonFiniteParam(): { name: string; index: number; value: number } | undefined {
    for (const p of this.compiled.params) {
      const v = this.state.get(p.name);
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return { name: p.name, index: i, value: v[i]! };
    }
    return undefined;
  }

  private checkFinite(loss: number | undefined, name: string, epoch: number, stepInEpoch: number): void {
    if (loss !== undefined && !Number.isFinite(loss)) {
      throw new DivergedError(`training diverged in epoch ${epoch}, step ${stepInEpoch}: ${name} is ${loss} (learning rate ${this.options.optimizer.lr}; extreme data values can do this too)`);
    }
  }

  /** Step `s` of the epoch: every phase in order, one program call each. */
  private async singleStep(feeder: BatchFeeder, rows: Rows, s: number, count: number, epoch: number): Promise<TermValues> {
    const fed = this.feed(feeder, rows, s, count);
    const batch = fed instanceof Promise ? await fed : fed;
    const at = this.at(epoch);
    this.setSchedules(at);
    const lr = this.lrAt(at);
    const terms: TermValues = {};
    for (let k = 0; k < this.compiled.phases.length; k++) {
      const { graph, program } = this.compiled.phases[k]!;
      const io = this.phaseIo[k]!;
      (io.lr.data as Float32Array)[0] = lr * (graph.phase.lrScale ?? 1);
      await program.run({ ...this.state.feeds(), ...batch, ...this.schedTensors, [graph.lrInputs[0]!]: io.lr }, { ...this.state.fetches(), ...io.terms });
      for (const [t, tensor] of Object.entries(io.terms)) terms[t] = read(tensor);
      this.checkFinite(terms[graph.phase.loss], graph.phase.loss, epoch, s + 1);
      this.state.swap(graph.updates);
    }
    this.steps++;
    return terms;
  }

  /**
   * Steps s .. s+K−1 (all full batches) in one call of the chained program. Batches,
   * noise, schedules and learning rates are drawn in the same order as K single steps.
   * If any step diverges, none of the K updates is kept.
   */
  private async chainedSteps(chain: CompiledStep, feeders: readonly BatchFeeder[], rows: Rows, s: number, epoch: number): Promise<TermValues[]> {
    const { graph, program } = chain;
    const K = graph.steps;
    const io = this.chainIo!;
    const feeds: Record<string, Tensor> = { ...this.state.feeds() };
    for (let i = 0; i < K; i++) {
      const suffix = stepSuffix(i, K);
      const fed = this.feed(feeders[i]!, rows, s + i, this.options.batchSize);
      Object.assign(feeds, fed instanceof Promise ? await fed : fed);
      const at = { ...this.at(epoch), step: this.steps + i };
      for (const spec of graph.schedules) if (spec.name.endsWith(suffix)) (this.schedTensors[spec.name]!.data as Float32Array)[0] = spec.value(at);
      (io.lrs[i]!.data as Float32Array)[0] = this.lrAt(at) * (graph.phase.lrScale ?? 1);
      feeds[graph.lrInputs[i]!] = io.lrs[i]!;
    }
    await program.run({ ...feeds, ...this.schedTensors }, { ...this.state.fetches(), ...io.terms });
    const perStep = Array.from({ length: K }, (_, i) => {
      const suffix = stepSuffix(i, K);
      const terms: TermValues = {};
      for (const t of graph.phase.terms) terms[t] = read(io.terms[`${t}${suffix}`]!);
      this.checkFinite(terms[graph.phase.loss], graph.phase.loss, epoch, s + i + 1);
      return terms;
    });
    this.state.swap(graph.updates);
    this.steps += K;
    return perStep;
  }

  /**
   * Every term of the model averaged over `data` (per sample). Noise (e.g. the VAE's
   * reparameterisation) comes from a generator seeded afresh, so evaluation is repeatable.
   */
  async evaluate(data: Dataset, batchSize = 500): Promise<TermValues> {
    this.setSchedules(this.at(Math.max(1, this.epochsDone)));
    const { evalGraph } = this.compiled;
    return averageOverData(
      { program: this.compiled.eval, inputShape: this.model.inputShape, numClasses: this.model.numClasses, noises: evalGraph.noises, feeds: { ...this.state.feeds(), ...this.schedTensors } },
      data,
      new Rng(`${this.options.seed}:eval`),
      batchSize,
    );
  }

  /** Closes the programs' sessions (once; later calls do nothing). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all([...this.compiled.phases.map((p) => p.program.release()), this.compiled.eval.release(), this.compiled.chain?.program.release()]);
  }
}

/** An epoch's rows: a permutation of an in-memory dataset, or a streamed epoch. */
interface Rows {
  readonly order: Int32Array | null;
  readonly stream: StreamEpoch | undefined;
  readonly batchSize: number;
}

/** A mid-epoch position must match the data it resumes on: streamed or not, and (streamed) the same window plan, order and place. */
function checkStreamPosition(saved: EpochPosition, now: StreamPosition | undefined): void {
  const same = saved.stream === undefined ? now === undefined : now !== undefined && (Object.keys(now) as (keyof StreamPosition)[]).every((k) => now[k] === saved.stream![k]);
  if (!same) {
    const was = saved.stream ? `streamed (window ${saved.stream.window}, offset ${saved.stream.offset})` : 'in memory';
    throw new UsageError(`the checkpoint stopped inside an epoch over data ${was}, which the data now given does not reproduce (${now ? `streamed: window ${now.window}, offset ${now.offset}` : 'in memory'}); resume with the data settings it was trained with`);
  }
}
