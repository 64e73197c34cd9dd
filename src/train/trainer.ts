/**
 * The Trainer: seeded initialisation, shuffled batches, one compiled-program call per step,
 * the NaN guard, epoch metrics and evaluation. It owns the state store (parameters and
 * optimizer state); persistence lives in `checkpoint.ts`.
 */
import type { Dataset } from '../data/dataset.js';
import type { AutoencoderModel } from '../models/types.js';
import { Rng, type RngState } from '../nn/rng.js';
import { lrInputName, type OptimizerConfig } from '../optim/optimizer.js';
import { PingPongBuffers } from '../runtime/buffers.js';
import { Tensor, type RuntimeOptions } from '../runtime/program.js';
import { BatchFeeder } from './batches.js';
import { type CompiledTraining, compileTraining } from './programs.js';

export type TermValues = Record<string, number>;

/** Learning rate for a step; `baseLr` is the optimizer's configured rate. */
export type LrSchedule = (at: { readonly step: number; readonly epoch: number; readonly totalSteps: number; readonly baseLr: number }) => number;

export const constantLr: LrSchedule = ({ baseLr }) => baseLr;
/** Cosine decay from baseLr to 0 over the whole run (Loshchilov & Hutter 2017, without restarts). */
export const cosineLr: LrSchedule = ({ step, totalSteps, baseLr }) => 0.5 * baseLr * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));

export interface TrainerOptions extends RuntimeOptions {
  readonly batchSize: number;
  readonly seed: number;
  readonly optimizer: OptimizerConfig;
  readonly lrSchedule?: LrSchedule;
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

export class Trainer {
  readonly state: PingPongBuffers;
  private dataRng: Rng;
  private noiseRng: Rng;
  private epochsDone = 0;
  private steps = 0;
  private readonly termTensors: Record<string, Tensor> = {};
  private readonly lrTensor = new Tensor('float32', new Float32Array(1), []);

  private constructor(
    readonly model: AutoencoderModel,
    readonly options: TrainerOptions,
    readonly compiled: CompiledTraining,
  ) {
    this.state = new PingPongBuffers(compiled.stateSpecs);
    const initRng = new Rng(`${options.seed}:init`);
    for (const p of compiled.stepGraph.params) this.state.set(p.name, p.init(initRng, p.shape));
    this.dataRng = new Rng(`${options.seed}:data`);
    this.noiseRng = new Rng(`${options.seed}:noise`);
    for (const t of model.trainTerms) this.termTensors[t] = new Tensor('float32', new Float32Array(1), []);
  }

  /** Compiles the model's programs and initialises its parameters from `options.seed`. */
  static async create(model: AutoencoderModel, options: TrainerOptions): Promise<Trainer> {
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

  /** Runs one epoch over `data` in a fresh random order. */
  async trainEpoch(data: Dataset, totalEpochs: number, onStep?: (e: StepEvent) => void): Promise<EpochResult> {
    const { batchSize, optimizer } = this.options;
    const schedule = this.options.lrSchedule ?? constantLr;
    const feeder = new BatchFeeder(data, this.model.inputShape, this.model.numClasses, this.compiled.stepGraph.noises);
    const order = this.dataRng.permutation(data.n);
    const stepsPerEpoch = Math.ceil(data.n / batchSize);
    const totalSteps = stepsPerEpoch * totalEpochs;
    const epoch = this.epochsDone + 1;
    const sums: TermValues = Object.fromEntries(this.model.trainTerms.map((t) => [t, 0]));
    const lrName = lrInputName('optim');
    const t0 = performance.now();
    for (let s = 0; s < stepsPerEpoch; s++) {
      const start = s * batchSize;
      const count = Math.min(batchSize, data.n - start);
      const batch = feeder.fill(order, start, count, this.noiseRng);
      (this.lrTensor.data as Float32Array)[0] = schedule({ step: this.steps, epoch, totalSteps, baseLr: optimizer.lr });
      await this.compiled.step.run(
        { ...this.state.feeds(), ...batch, [lrName]: this.lrTensor },
        { ...this.state.fetches(), ...this.termTensors },
      );
      const terms: TermValues = {};
      for (const t of this.model.trainTerms) terms[t] = (this.termTensors[t]!.data as Float32Array)[0]!;
      if (!Number.isFinite(terms['loss'])) {
        throw new DivergedError(`training diverged at epoch ${epoch}, step ${s + 1}: loss is ${terms['loss']}; lower --lr (now ${optimizer.lr}) or check the data for extreme values`);
      }
      this.state.swap();
      this.steps++;
      for (const t of this.model.trainTerms) sums[t]! += terms[t]! * count;
      onStep?.({ epoch, stepInEpoch: s + 1, stepsPerEpoch, terms });
    }
    const seconds = (performance.now() - t0) / 1000;
    this.epochsDone = epoch;
    const train: TermValues = {};
    for (const t of this.model.trainTerms) train[t] = sums[t]! / data.n;
    return { epoch, step: this.steps, train, seconds, samplesPerSec: data.n / seconds };
  }

  /**
   * Every term of the model averaged over `data` (per sample). Noise (e.g. the VAE's
   * reparameterisation) comes from a generator seeded afresh, so evaluation is repeatable.
   */
  async evaluate(data: Dataset, batchSize = 500): Promise<TermValues> {
    const feeder = new BatchFeeder(data, this.model.inputShape, this.model.numClasses, this.compiled.evalGraph.noises);
    const rng = new Rng(`${this.options.seed}:eval`);
    const sums: TermValues = {};
    for (let start = 0; start < data.n; start += batchSize) {
      const count = Math.min(batchSize, data.n - start);
      const out = await this.compiled.eval.run({ ...this.state.feeds(), ...feeder.fill(null, start, count, rng) });
      for (const [k, v] of Object.entries(out)) sums[k] = (sums[k] ?? 0) + (v.data as Float32Array)[0]! * count;
    }
    for (const k of Object.keys(sums)) sums[k] = sums[k]! / data.n;
    return sums;
  }

  async release(): Promise<void> {
    await Promise.all([this.compiled.step.release(), this.compiled.eval.release()]);
  }
}
