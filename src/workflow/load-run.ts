/**
 * Opens a finished (or interrupted) run for inference: its model from config.json and its
 * parameters and model state (batch norm's running statistics) from checkpoint.safetensors
 * (optimizer state is ignored), with encode/decode programs compiled over them. Used by
 * `latentkit sample`, `eval` and `export`.
 */
import { getFamily } from '../models/registry.js';
import type { AutoencoderModel } from '../models/types.js';
import { Codec, TensorStore } from '../latent/codec.js';
import { CHECKPOINT_FILE, restoreState } from '../train/checkpoint.js';
import { buildEvalGraph } from '../train/programs.js';
import { nodeBackend, nodeRuntime } from '../runtime/node.js';
import type { RuntimeBackend, RuntimeOptions } from '../runtime/program.js';
import { type RunConfig, RunDir } from './run-dir.js';

export interface LoadedRun {
  readonly dir: string;
  readonly config: RunConfig;
  readonly model: AutoencoderModel;
  /** The trained parameters and model state (e.g. batch norm's running statistics) by name. */
  readonly params: TensorStore;
  /** Completed epochs of the checkpoint. */
  readonly epoch: number;
}

/** Reads the run in `dir`; its parameter tensors are made by `backend` (the one its programs will run on). */
export async function loadRun(dir: string, backend: RuntimeBackend = nodeBackend): Promise<LoadedRun> {
  const run = new RunDir(dir);
  const config = run.readConfig();
  const model = getFamily(config.model.family).create(config.model);
  const ckpt = await run.loadCheckpoint(config.model.family);
  const { params: paramSpecs, states } = buildEvalGraph(model);
  const params = new TensorStore([...paramSpecs, ...states], backend);
  restoreState(params, ckpt, run.path(CHECKPOINT_FILE));
  return { dir, config, model, params, epoch: ckpt.progress.epoch };
}

/** A loaded run's encoder/decoder programs. Release the codec when done. */
export async function openCodec(run: LoadedRun, runtime: RuntimeOptions = nodeRuntime()): Promise<Codec> {
  return Codec.compile(run.model, run.params, runtime);
}
