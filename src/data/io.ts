import { readFileSync } from 'node:fs';
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
  return new DataError(`cannot read data file ${path}: ${(err as Error).message}`);
}
