/**
 * Safetensors files: the portable byte codec (./safetensors-codec.ts, re-exported here) plus
 * reading a file and writing one atomically and durably (Node file system).
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { CorruptFileError, decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type TensorF32 } from './safetensors-codec.js';

export * from './safetensors-codec.js';

/** Thrown by {@link readSafetensorsFile} when the file does not exist. Message: `checkpoint file not found: <path>`. */
export class MissingFileError extends Error {
  /** The path that was looked for. */
  readonly path: string;
  constructor(path: string) {
    super(`checkpoint file not found: ${path}`);
    this.name = 'MissingFileError';
    this.path = path;
  }
}

/**
 * Read and decode a safetensors file (see {@link decodeSafetensors}).
 * Throws {@link MissingFileError} if `path` does not exist, {@link CorruptFileError} if it is
 * not a regular file (a folder, a FIFO, a device) or is invalid; other file-system errors
 * (EACCES, EIO, ...) propagate with their `code` and `path` for the CLI to print.
 */
export async function readSafetensorsFile(path: string): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new CorruptFileError(path, 'is a folder, not a file');
    if (!stat.isFile()) throw new CorruptFileError(path, 'is not a regular file');
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingFileError(path);
    throw err;
  }
  return decodeSafetensors(bytes, path);
}

/** Encode (see {@link encodeSafetensors}) and write atomically + durably to `path` (see writeFileAtomic). */
export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, TensorF32>,
  metadata: Record<string, string> = {},
): Promise<void> {
  writeFileAtomic(path, await encodeSafetensors(tensors, metadata));
}
