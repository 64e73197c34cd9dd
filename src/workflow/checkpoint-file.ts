/**
 * A run's checkpoint files on disk: `checkpoint.safetensors` (the bytes of train/checkpoint.ts,
 * written atomically, so it is complete or absent) and its readable mirror `state.json`.
 * RunDir (run-dir.ts) calls these; the format itself is portable and lives in the core.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../persist/atomic.js';
import { CorruptFileError } from '../persist/safetensors.js';
import type { PingPongBuffers } from '../runtime/buffers.js';
import { CHECKPOINT_FILE, decodeCheckpoint, encodeCheckpoint, type LoadCheckpointOptions, type LoadedCheckpoint, STATE_FILE, stateMirrorText } from '../train/checkpoint.js';
import type { TrainerProgress } from '../train/trainer.js';

export class NoCheckpointError extends Error {
  override readonly name = 'NoCheckpointError';
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

/** Writes the state store and progress of a run into `dir` (atomically), then its `state.json` mirror. */
export async function saveCheckpoint(dir: string, state: PingPongBuffers, progress: TrainerProgress, family: string): Promise<void> {
  writeFileAtomic(join(dir, CHECKPOINT_FILE), await encodeCheckpoint(state.snapshot(), progress, family));
  writeStateMirror(dir, progress);
}

/**
 * Writes `state.json`, the readable mirror of a checkpoint's progress (atomically). A kill
 * between a checkpoint's rename and its mirror's leaves the mirror one checkpoint behind; a
 * resume rewrites it (the same bytes when it is current).
 */
export function writeStateMirror(dir: string, progress: TrainerProgress): void {
  writeFileAtomic(join(dir, STATE_FILE), stateMirrorText(progress));
}

/**
 * Reads and validates `dir/checkpoint.safetensors` (see `decodeCheckpoint`). A missing file is
 * a {@link NoCheckpointError}; one that is not a regular file, or is invalid, a one-line
 * `CorruptFileError` naming it.
 */
export async function loadCheckpoint(dir: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new NoCheckpointError(`no checkpoint in ${dir} (expected ${path})`);
  const stat = statSync(path);
  if (stat.isDirectory()) throw new CorruptFileError(path, 'is a folder, not a file');
  if (!stat.isFile()) throw new CorruptFileError(path, 'is not a regular file');
  return decodeCheckpoint(readFileSync(path), path, options);
}
