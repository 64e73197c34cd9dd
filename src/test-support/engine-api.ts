/**
 * What an engine page (web/engine/page.ts) offers to Node through `window.latentkitEngine`
 * (playwright's page.evaluate): set up the web back end, train, evaluate a checkpoint. Bytes
 * cross the page boundary as base64. Types only, shared by the page, the tests and the bench.
 */
import type { WebDevice } from '../runtime/web.js';
import type { TermValues } from '../train/trainer.js';

export interface EngineInfo {
  readonly name: string;
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  readonly threadsNote: string | null;
  readonly deviceNote: string | null;
}

/** One training run in the page: the model (a raw config.json `model`), the trainer settings, the rows. */
export interface TrainRequest {
  readonly model: unknown;
  /** Served rows: `data/<data>.f32`, rows of `dim` float32 values. */
  readonly data: string;
  readonly dim: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly epochs: number;
  /** ORT intra-op threads spin between operators (RuntimeOptions.spin; default false). */
  readonly spin?: boolean;
  /** Full-batch steps chained per ORT call (TrainerOptions.stepsPerRun; default 8). */
  readonly stepsPerRun?: number;
  /** A checkpoint (base64) to start from: its tensors and progress. */
  readonly resume?: string;
}

export interface TrainResult {
  /** `loss` of every step, in order. */
  readonly losses: number[];
  /** Training seconds (trainEpoch calls only: no compile, no data fetch) and rows trained. */
  readonly seconds: number;
  readonly samples: number;
  /** The checkpoint after training, base64 of `checkpoint.safetensors`. */
  readonly checkpoint: string;
}

export interface EngineApi {
  init(opts: { threads?: number; device?: WebDevice }): Promise<EngineInfo>;
  train(req: TrainRequest): Promise<TrainResult>;
  /** Loads a checkpoint (base64) into a fresh trainer of `model` and evaluates it on `data`. */
  evaluate(req: { model: unknown; checkpoint: string; data: string; dim: number }): Promise<TermValues>;
}
