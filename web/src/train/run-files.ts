/**
 * The run directory a Train-tab run hands back, byte-compatible with what `latentkit train`
 * writes (workflow/run-dir.ts, train/checkpoint.ts), so the CLI reads the unzipped folder:
 *
 *   config.json               `{ latentkit, model, train, data }`, pretty-printed (run-dir.ts `RunConfig`)
 *   checkpoint.safetensors    the state store (parameters, model state, optimizer state) and the
 *                             trainer's progress, format latentkit-checkpoint/2 (train/checkpoint.ts)
 *   state.json                the progress's readable mirror, `{ ...progress, checkpoint }`
 *   metrics.jsonl             one line per epoch: `{ epoch, step, train, test, seconds, samples_per_sec }`
 *
 * and the encoder/decoder with the trained weights baked in, as `latentkit export` builds them
 * (workflow/export-run.ts), for the explorer's other tabs.
 */
import { type AutoencoderModel, CHECKPOINT_FILE, emitCodecModels, encodeCheckpoint, STATE_FILE, stateMirrorText, type TermValues, type TrainerProgress } from '../../../src/browser.js';
// What `latentkit export` builds (workflow/export-run.ts): the codec graphs, emitted with the weights baked in.
import { version } from '../../../package.json';
import type { ExportedModel } from './protocol.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';

/** What config.json records besides the version. */
export interface RunRecord {
  readonly config: { readonly model: Readonly<Record<string, unknown>>; readonly train: Readonly<Record<string, unknown>>; readonly data: Readonly<Record<string, unknown>> };
  readonly family: string;
}

/** One epoch's line of metrics.jsonl, keys in the order `latentkit train` writes them. */
export interface EpochLine {
  readonly epoch: number;
  readonly step: number;
  readonly train: TermValues;
  readonly test: TermValues;
  readonly seconds: number;
  readonly samples_per_sec: number;
}

type StateSnapshot = Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>;

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The run directory's files, by name. */
export async function runFiles(record: RunRecord, progress: TrainerProgress, state: StateSnapshot, metrics: readonly EpochLine[]): Promise<Record<string, Uint8Array>> {
  const config = { latentkit: version, model: record.config.model, train: record.config.train, data: record.config.data };
  return {
    [CONFIG_FILE]: text(`${JSON.stringify(config, null, 2)}\n`),
    [CHECKPOINT_FILE]: await encodeCheckpoint(state, progress, record.family),
    [STATE_FILE]: text(stateMirrorText(progress)),
    [METRICS_FILE]: text(metrics.map((m) => `${JSON.stringify({ epoch: m.epoch, step: m.step, train: m.train, test: m.test, seconds: m.seconds, samples_per_sec: m.samples_per_sec })}\n`).join('')),
  };
}

/** The encoder (x → codes) and decoder (z → xhat) ONNX models with `state`'s weights as initializers. */
export function exportModel(model: AutoencoderModel, state: StateSnapshot): ExportedModel {
  const { encoder, decoder, graphs } = emitCodecModels(model, new Map(Object.entries(state).map(([name, t]) => [name, t.data])), version);
  return { encoder, decoder, code: 'mu' in graphs.encode ? 'mu' : 'z' };
}
