import { readFileSync } from 'node:fs';
import { DataError } from './errors.js';
import { availableMemoryBytes, formatBytes } from './machine-memory.js';

/** Read a whole file, mapping ENOENT to `DataError('data file not found: <path>')`. */
export function readDataFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw dataFileError(path, err);
  }
}

/** The {@link DataError} for a failed open/read of the data file `path`. */
export function dataFileError(path: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DataError(`data file not found: ${path}`);
  if (code === 'EISDIR') return new DataError(`expected a file but found a directory: ${path}`);
  return new DataError(`cannot read data file ${path}: ${(err as Error).message.replace(/\s+/g, ' ')}`);
}

/**
 * Refuses to load `path` when holding it needs `needBytes` of memory (the decoded data plus its
 * float32 copy, as the caller estimates) and that exceeds {@link availableMemoryBytes}: a
 * {@link DataError} naming the file, what it declares, the estimate and what is available.
 * `declared` describes the size as the file states it, e.g. `IDX dims [60000, 28, 28]`.
 */
export function checkFitsInMemory(path: string, declared: string, needBytes: number): void {
  const available = availableMemoryBytes();
  if (needBytes > available) {
    throw new DataError(`${path}: ${declared} needs about ${formatBytes(needBytes)} of memory to load, more than the ${formatBytes(available)} available`);
  }
}
