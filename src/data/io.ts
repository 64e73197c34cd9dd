import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { DataError } from './errors.js';

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
 * Bytes of memory this process may still allocate: the smaller of the system's available memory
 * (`os.freemem()`, MemAvailable on Linux) and the cgroup limit (`process.constrainedMemory()`,
 * 0 or ~2^64 when there is none).
 */
export function availableMemoryBytes(): number {
  const free = freemem();
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return limit !== undefined && limit > 0 && limit < free ? limit : free;
}

/** `bytes` for a message: `1.68 TB`, `512 MB`, `900 bytes` (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = bytes / 1e3;
  let u = 0;
  while (v >= 1e3 && u < units.length - 1) {
    v /= 1e3;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toPrecision(3)} ${units[u]}`;
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
