/**
 * In memory or streamed? `--stream` forces streaming; otherwise a `.npy` file or a folder of
 * uncompressed IDX files whose in-memory form would take more than {@link AUTO_STREAM_SHARE}
 * of the available memory is streamed, with a one-line note. The in-memory form of n·d stored
 * values is the file's bytes (read whole) plus n·d·4 bytes of float32.
 */
import { statSync } from 'node:fs';
import { findIdxFiles } from '../idx.js';
import { availableMemoryBytes, formatBytes } from '../machine-memory.js';
import { RowFile } from './row-file.js';
import { streamableKind } from './stream-split.js';

/** Data is streamed when loading it whole would take more than this share of the available memory. */
export const AUTO_STREAM_SHARE = 0.5;

/**
 * Whether to stream `spec`, and the note to print when that was chosen for the user.
 * `forced`: the user's `--stream`. `available`: bytes of memory (default: what the machine has free).
 */
export function chooseStreaming(spec: string, forced: boolean | undefined, available: number = availableMemoryBytes()): { stream: boolean; note?: string } {
  if (forced !== undefined) return { stream: forced };
  const kind = streamableKind(spec);
  if (kind === undefined) return { stream: false };
  let need: number;
  let file: string;
  if (kind === 'npy') {
    file = spec;
    let values: number;
    try {
      const f = RowFile.npy(spec);
      values = f.rows * f.sampleShape.reduce((a, b) => a * b, 1);
      f.close();
    } catch {
      return { stream: false }; // not streamable (e.g. float64): the in-memory loader says what is wrong
    }
    need = statSync(spec).size + values * 4;
  } else {
    file = findIdxFiles(spec).trainImages!;
    if (file.endsWith('.gz')) return { stream: false };
    need = statSync(file).size * 5;
  }
  if (need <= AUTO_STREAM_SHARE * available) return { stream: false };
  return {
    stream: true,
    note: `note: ${file} needs about ${formatBytes(need)} in memory, more than half of the ${formatBytes(available)} available: streaming it from disk (see --stream, --shuffle-buffer)`,
  };
}
