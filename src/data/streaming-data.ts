/**
 * A training set that stays on disk ("streaming"), as the trainer sees it: the file's rows as
 * blocks of consecutive rows, and a {@link RowReader} that reads and decodes them. Like
 * `dataset.ts` this is a description only (no file access, no Node imports): the reader that
 * touches files is in `data/stream/`, and the order in which an epoch visits the rows is
 * `train/stream.ts`.
 */

/** Consecutive file rows [start, start + count). */
export interface RowRange {
  readonly start: number;
  readonly count: number;
}

/**
 * Reads rows of one data file (implemented by `data/stream`). Rows are stored as `rowBytes`
 * raw bytes each and decoded to `prod(sampleShape)` float32 values by `decode`.
 */
export interface RowReader {
  /** The file, for messages. */
  readonly name: string;
  readonly sampleShape: readonly number[];
  /** Bytes of one stored row. */
  readonly rowBytes: number;
  /** Labels per row, read alongside the rows, when the source has them. */
  readonly labelled: boolean;
  /**
   * Reads file rows `range` into `bytes` (length ≥ count · rowBytes, from its start) and, when
   * `labels` is given, their class ids into `labels` (from its start).
   */
  read(range: RowRange, bytes: Uint8Array, labels: Int32Array | null): Promise<void>;
  /**
   * Decodes one stored row (`rowBytes` bytes) into `out` (prod(sampleShape) values). Returns −1,
   * or the column of the first value the data may not hold (NaN, ±Infinity), after which
   * `invalid` gives the error to throw.
   */
  decode(bytes: Uint8Array, out: Float32Array): number;
  /** The (one-line) error for an invalid `value` at file row `row`, `column`. */
  invalid(row: number, column: number, value: number): Error;
}

/** A training set streamed from a file: the rows of `blocks`, read in windows of `windowBlocks` blocks. */
export interface StreamingData {
  readonly kind: 'stream';
  readonly name: string;
  /** Training rows: the sum of the blocks' counts. */
  readonly n: number;
  readonly sampleShape: readonly number[];
  /** Number of classes when rows carry labels. */
  readonly numClasses?: number;
  readonly reader: RowReader;
  /** The training rows as blocks of at most `blockRows` file rows each. */
  readonly blocks: readonly RowRange[];
  /** Rows per block (the unit of the block permutation). */
  readonly blockRows: number;
  /** Blocks per window (the shuffle buffer is windowBlocks · blockRows rows). */
  readonly windowBlocks: number;
}

export function isStreaming(d: object): d is StreamingData {
  return (d as { kind?: unknown }).kind === 'stream';
}

/** The file rows `[0, n)` (or `ranges`) cut into blocks of at most `blockRows` rows, in file order. */
export function cutBlocks(ranges: readonly RowRange[], blockRows: number): RowRange[] {
  const out: RowRange[] = [];
  for (const r of ranges) for (let s = 0; s < r.count; s += blockRows) out.push({ start: r.start + s, count: Math.min(blockRows, r.count - s) });
  return out;
}
