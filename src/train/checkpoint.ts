/**
 * Checkpoints. One file, `checkpoint.safetensors`, holds every state tensor (parameters
 * under their own names, optimizer state under `optim.*`) and, in its metadata, the
 * trainer's progress (epoch, step, generator states). Being one atomically renamed file,
 * a checkpoint is complete or absent. `state.json` mirrors the progress for humans and
 * tools; the safetensors metadata is what `resume` trusts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../persist/atomic.js';
import { CorruptFileError, readSafetensorsFile, writeSafetensorsFile } from '../persist/safetensors.js';
import type { PingPongBuffers } from '../runtime/buffers.js';
import type { TrainerProgress } from './trainer.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const STATE_FILE = 'state.json';
const FORMAT = 'latentkit-checkpoint/1';

export class NoCheckpointError extends Error {
  override readonly name = 'NoCheckpointError';
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

/** Writes the state store and progress of a run into `dir` (atomically). */
export function saveCheckpoint(dir: string, state: PingPongBuffers, progress: TrainerProgress, family: string): void {
  const path = join(dir, CHECKPOINT_FILE);
  writeSafetensorsFile(path, state.snapshot(), { format: FORMAT, family, progress: JSON.stringify(progress) });
  writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify({ ...progress, checkpoint: CHECKPOINT_FILE }, null, 2)}\n`);
}

export interface LoadedCheckpoint {
  readonly tensors: Record<string, { data: Float32Array; shape: number[] }>;
  readonly progress: TrainerProgress;
  readonly family: string;
}

/** Reads and validates `dir/checkpoint.safetensors`. */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new NoCheckpointError(`no checkpoint in ${dir} (expected ${path})`);
  const { tensors, metadata } = readSafetensorsFile(path);
  if (metadata['format'] !== FORMAT) throw new CorruptFileError(path, `is not a latentkit checkpoint (format ${metadata['format'] ?? 'missing'})`);
  let progress: TrainerProgress;
  try {
    progress = JSON.parse(metadata['progress'] ?? '') as TrainerProgress;
  } catch {
    throw new CorruptFileError(path, 'has unreadable progress metadata');
  }
  if (!Number.isInteger(progress.epoch) || !Number.isInteger(progress.step) || !progress.rng) throw new CorruptFileError(path, 'has incomplete progress metadata');
  return { tensors, progress, family: metadata['family'] ?? '' };
}

/**
 * Copies checkpoint tensors into a state store. With `paramsOnly`, optimizer state may be
 * absent (loading a model for inference); otherwise every tensor must be present.
 */
export function restoreState(state: { specs: readonly { name: string; shape: readonly number[] }[]; set(name: string, d: Float32Array): void }, ckpt: LoadedCheckpoint, source: string): void {
  for (const spec of state.specs) {
    const t = ckpt.tensors[spec.name];
    if (!t) throw new CorruptFileError(source, `does not match the model: tensor ${spec.name} is missing`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new CorruptFileError(source, `does not match the model: ${spec.name} has shape [${t.shape}], expected [${spec.shape}]`);
    }
    state.set(spec.name, t.data);
  }
}
