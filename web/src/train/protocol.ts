/**
 * Messages between the Train tab (web/src/train/tab.ts) and its Web Worker (worker.ts). The
 * worker owns the data, the model, the Trainer and the run's files; the page only shows what
 * it posts. Float32Arrays travel as transferred buffers.
 */
import type { Dataset } from '../../../src/data/dataset.js';

/** The dense families the tab trains (the conv families and vaegan need image-shaped inputs and more time than a tab has). */
export const TAB_FAMILIES = ['vae', 'ae', 'dae', 'sparse', 'cae', 'cvae', 'aae', 'stacked'] as const;
export type TabFamily = (typeof TAB_FAMILIES)[number];

/** What the user chose in the tab. */
export interface TabSettings {
  readonly family: TabFamily;
  readonly latent: number;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly lr: number;
}

/** The bundled digits (the first `limit` train rows, the whole test split), or a dataset the user dropped (split in the worker as the CLI splits a file). */
export type DataChoice = { readonly kind: 'digits'; readonly limit: number } | { readonly kind: 'dropped'; readonly dataset: Dataset };

export type ToWorker =
  /** Start onnxruntime-web (seconds: its wasm compiles and its threads start) while the user is still choosing. */
  | { readonly type: 'warm'; readonly pageUrl: string; readonly threads: number | undefined }
  | { readonly type: 'start'; readonly settings: TabSettings; readonly data: DataChoice; readonly pageUrl: string; readonly threads: number | undefined }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' };

/** A picture strip: n rows of `shape` ([C, H, W] images, or flat vectors drawn as bars). */
export interface Rows {
  readonly n: number;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** The encoder and decoder ONNX models with the trained weights baked in (as `latentkit export` writes them). */
export interface ExportedModel {
  readonly encoder: Uint8Array;
  readonly decoder: Uint8Array;
  /** The encoder output that is "the code" (mu for VAEs, else z). */
  readonly code: 'mu' | 'z';
}

export type FromWorker =
  | { readonly type: 'runtime'; readonly threads: number; readonly crossOriginIsolated: boolean; readonly note: string | null }
  | {
      readonly type: 'started';
      readonly run: string;
      readonly family: string;
      readonly terms: readonly string[];
      readonly trainRows: number;
      readonly testRows: number;
      readonly stepsPerEpoch: number;
      readonly epochs: number;
      readonly originals: Rows;
      readonly labelNames: readonly string[] | null;
    }
  | { readonly type: 'progress'; readonly epoch: number; readonly step: number; readonly stepsPerEpoch: number; readonly samplesPerSec: number; readonly terms: Readonly<Record<string, number>> }
  | {
      readonly type: 'epoch';
      readonly epoch: number;
      readonly train: Readonly<Record<string, number>>;
      readonly test: Readonly<Record<string, number>>;
      readonly seconds: number;
      readonly samplesPerSec: number;
      readonly reconstructions: Rows;
      /** 2-D positions of the map's codes (the codes themselves for a 2-D latent, else their PCA plane), and their labels. */
      readonly map: { readonly xy: Float32Array; readonly labels: Int32Array | null; readonly method: 'identity' | 'pca' };
    }
  | { readonly type: 'paused' }
  | { readonly type: 'resumed' }
  | {
      readonly type: 'finished';
      /** Stopped by the user (the checkpoint may then sit inside an epoch). */
      readonly stopped: boolean;
      readonly epochs: number;
      /** The run directory's files, as `latentkit train` writes them. */
      readonly files: Readonly<Record<string, Uint8Array>>;
      /** The explorer bundle of the trained model (explore-files.ts), for the explorer's other views; null when there is no trained model to show. */
      readonly explore: Readonly<Record<string, Uint8Array>> | null;
    }
  | { readonly type: 'error'; readonly message: string; readonly kept: boolean };
