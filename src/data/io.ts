import { readFileSync } from 'node:fs';
import { DataError } from './errors.js';

/** Read a whole file, mapping ENOENT to `DataError('data file not found: <path>')`. */
export function readDataFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`data file not found: ${path}`);
    if (code === 'EISDIR') throw new DataError(`expected a file but found a directory: ${path}`);
    throw new DataError(`cannot read data file ${path}: ${(err as Error).message}`);
  }
}
