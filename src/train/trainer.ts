/**
 * The Trainer: seeded initialisation, shuffled batches, one compiled-program call per
 * phase per step, scheduled scalars (KL warm-up, learning rate), the NaN guard, epoch
 * metrics and evaluation. It owns the state store (parameters and optimizer state);
 * persistence lives in `checkpoint.ts`.
 */
import type { Dataset } from '../data/dataset.js';
import type { TrainableModel } from '../models/types.js';
import type { ScheduleAt } from '../nn/builder.js';
import { Rng, type RngState } from '../nn/rng.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { PingPongBuffers } from '../runtime/buffers.js';
import { Tensor, type RuntimeOptions } from '../runtime/program.js';
import { BatchFeeder } from './batches.js';
import { averageOverData } from './evaluate.js';
import { type CompiledTraining, compileTraining } from './programs.js';

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
}

/** Where a run is: completed epochs, global step, and the generator states that continue it. */
export interface TrainerProgress {
  readonly epoch: number;
  readonly step: number;
  readonly rng: { readonly data: RngState; readonly noise: RngState };
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
  readonly seconds: number;
  readonly samplesPerSec: number;
}

export class DivergedError extends Error {
  override readonly name = 'DivergedError';
}

const scalar = (): Tensor => new Tensor('float32', new Float32Array(1), []);
const read = (t: Tensor): number => (t.data as Float32Array)[0]!;

export class Trainer {
  readonly state: PingPongBuffers;
  private dataRng: Rng;
  private noiseRng: Rng;
  private epochsDone = 0;
  private steps = 0;
  /** Per phase: its pre-allocated term outputs and learning-rate input. */
  private readonly phaseIo: { terms: Record<string, Tensor>; lr: Tensor }[];
  private readonly schedTensors: Record<string, Tensor> = {};
  private stepsPerEpoch = 1;
  private totalSteps = 1;

  private constructor(
    readonly model: TrainableModel,
    readonly options: TrainerOptions,
    readonly compiled: CompiledTraining,
  ) {
    this.state = new PingPongBuffers(compiled.stateSpecs);
    const initRng = new Rng(`${options.seed}:init`);
    for (const p of compiled.params) {
      const fresh = p.init(initRng, p.shape);
      this.state.set(p.name, options.initialParams?.[p.name] ?? fresh);
    }
    this.dataRng = new Rng(`${options.seed}:data`);
    this.noiseRng = new Rng(`${options.seed}:noise`);
    this.phaseIo = compiled.phases.map((p) => ({ terms: Object.fromEntries(p.graph.phase.terms.map((t) => [t, scalar()])), lr: scalar() }));
    for (const s of compiled.schedules) this.schedTensors[s.name] = scalar();
  }

  /** Compiles the model's programs and initialises its parameters from `options.seed`. */
  static async create(model: TrainableModel, options: TrainerOptions): Promise<Trainer> {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`batch size must be a positive integer (got ${options.batchSize})`);
    return new Trainer(model, options, await compileTraining(model, options.optimizer, options));
  }

  get progress(): TrainerProgress {
    return { epoch: this.epochsDone, step: this.steps, rng: { data: this.dataRng.state(), noise: this.noiseRng.state() } };
  }

  /** Continues from a saved position (the state store must be restored separately). */
  restoreProgress(p: TrainerProgress): void {
    this.epochsDone = p.epoch;
    this.steps = p.step;
    this.dataRng = new Rng({ state: p.rng.data });
    this.noiseRng = new Rng({ state: p.rng.noise });
  }

  private at(epoch: number): ScheduleAt {
    return { step: this.steps, epoch, stepsPerEpoch: this.stepsPerEpoch, totalSteps: this.totalSteps };
  }

  private setSchedules(at: ScheduleAt): void {
    for (const s of this.compiled.schedules) (this.schedTensors[s.name]!.data as Float32Array)[0] = s.value(at);
  }

  /** Runs one epoch over `data` in a fresh random order; `totalEpochs` sizes the schedules. */
  async trainEpoch(data: Dataset, totalEpochs: number, onStep?: (e: StepEvent) => void): Promise<EpochResult> {
    const { batchSize, optimizer } = this.options;
    const schedule = this.options.lrSchedule ?? constantLr;
    const feeder = new BatchFeeder(data, this.model.inputShape, this.model.numClasses, this.compiled.noises);
    const order = this.dataRng.permutation(data.n);
    this.stepsPerEpoch = Math.ceil(data.n / batchSize);
    this.totalSteps = this.stepsPerEpoch * totalEpochs;
    const epoch = this.epochsDone + 1;
    const sums: TermValues = {};
    const t0 = performance.now();
    for (let s = 0; s < this.stepsPerEpoch; s++) {
      const start = s * batchSize;
      const count = Math.min(batchSize, data.n - start);
      const batch = feeder.fill(order, start, count, this.noiseRng);
      const at = this.at(epoch);
      this.setSchedules(at);
      const lr = schedule({ ...at, baseLr: optimizer.lr });
      const terms: TermValues = {};
      for (let k = 0; k < this.compiled.phases.length; k++) {
        const { graph, program } = this.compiled.phases[k]!;
        const io = this.phaseIo[k]!;
        (io.lr.data as Float32Array)[0] = lr * (graph.phase.lrScale ?? 1);
        await program.run({ ...this.state.feeds(), ...batch, ...this.schedTensors, [graph.lrInput]: io.lr }, { ...this.state.fetches(), ...io.terms });
        for (const [t, tensor] of Object.entries(io.terms)) terms[t] = read(tensor);
        const loss = terms[graph.phase.loss];
        if (loss !== undefined && !Number.isFinite(loss)) {
          throw new DivergedError(`training diverged at epoch ${epoch}, step ${s + 1}: ${graph.phase.loss} is ${loss}; lower --lr (now ${optimizer.lr}) or check the data for extreme values`);
        }
        this.state.swap(graph.updates);
      }
      this.steps++;
      for (const [t, v] of Object.entries(terms)) sums[t] = (sums[t] ?? 0) + v * count;
      onStep?.({ epoch, stepInEpoch: s + 1, stepsPerEpoch: this.stepsPerEpoch, samples: start + count, terms });
    }
    const seconds = (performance.now() - t0) / 1000;
    this.epochsDone = epoch;
    const train: TermValues = {};
    for (const [t, v] of Object.entries(sums)) train[t] = v / data.n;
    return { epoch, step: this.steps, train, seconds, samplesPerSec: data.n / seconds };
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

  async release(): Promise<void> {
    await Promise.all([...this.compiled.phases.map((p) => p.program.release()), this.compiled.eval.release()]);
  }
}
