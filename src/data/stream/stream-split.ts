/**
 * A streamed train/test split: the training rows as blocks of a {@link RowFile} (for the
 * trainer's windowed shuffle, train/stream.ts) and, held in memory and bounded, a test split
 * and a sample of the training rows (for per-epoch evaluation, pictures, probes and reports).
 *
 * Sources and their test split:
 * - a `.npy` file (`|u1` or `<f4`): whole blocks are held out as test, chosen by the seeded
 *   permutation `new Rng(`${splitSeed}:stream-split`).permutation(B)` of the B blocks (the
 *   first T of it), with T = max(1, round(min(n · testFraction, TEST_ROWS_MAX) / blockRows)),
 *   at most B − 1. Holding out blocks (not single rows) keeps the training rows in few
 *   contiguous reads; a block is `blockRows` consecutive rows of the file.
 * - a folder of uncompressed IDX files: train-images/train-labels are streamed; the test split
 *   is the t10k pair (its first TEST_ROWS_MAX rows if larger, read at their offsets; a gzipped
 *   t10k file is loaded whole).
 * `limit` keeps the first `limit` training rows in file order. The training sample is the rows
 * of seeded blocks of the training set, at most SAMPLE_ROWS_MAX rows.
 */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Rng } from '../../nn/rng.js';
import { cutBlocks, type RowRange, type StreamingData } from '../streaming-data.js';
import type { Dataset } from '../dataset.js';
import { DataError } from '../errors.js';
import { findIdxFiles, loadIdxPair } from '../idx.js';
import { subset } from '../ops.js';
import { RowFile, type RowFileOptions } from './row-file.js';

/** At most this many rows are held as the test split of streamed data. */
export const TEST_ROWS_MAX = 10_000;
/** At most this many training rows are held in memory (pictures, probes, report). */
export const SAMPLE_ROWS_MAX = 10_000;
/** Rows per block when the shuffle buffer allows it. */
export const MAX_BLOCK_ROWS = 1024;
/** Default shuffle buffer (rows). */
export const DEFAULT_SHUFFLE_BUFFER = 65_536;

/**
 * Block size and blocks per window for a shuffle buffer of N rows: blocks of
 * min(1024, max(1, floor(N / 4))) rows (so a small buffer still mixes at least 4 blocks),
 * floor(N / blockRows) blocks per window.
 */
export function windowPlan(shuffleBuffer: number): { blockRows: number; windowBlocks: number } {
  const blockRows = Math.min(MAX_BLOCK_ROWS, Math.max(1, Math.floor(shuffleBuffer / 4)));
  return { blockRows, windowBlocks: Math.max(1, Math.floor(shuffleBuffer / blockRows)) };
}

export interface StreamSplitOptions extends RowFileOptions {
  readonly shuffleBuffer: number;
  readonly testFraction: number;
  readonly splitSeed: number;
  readonly limit?: number;
}

export interface StreamSplit {
  /** The training rows, streamed. */
  readonly stream: StreamingData;
  /** A bounded sample of the training rows, in memory. */
  readonly train: Dataset;
  /** The test split, in memory and bounded. */
  readonly test: Dataset;
  readonly source: 'fixed' | 'shuffled';
  /** Closes the files (opened again by the stream's next read). */
  close(): void;
}

/** Whether `spec` names data that can be streamed: a `.npy` file or a folder of IDX files. */
export function streamableKind(spec: string): 'npy' | 'idx' | undefined {
  if (!existsSync(spec)) return undefined;
  const st = statSync(spec);
  if (st.isFile() && extname(spec).toLowerCase() === '.npy') return 'npy';
  if (st.isDirectory() && findIdxFiles(spec).trainImages !== undefined) return 'idx';
  return undefined;
}

/** Opens `spec` for streaming (see the module comment). Throws {@link DataError} for data that cannot be streamed. */
export function openStreamSplit(spec: string, opts: StreamSplitOptions): StreamSplit {
  const kind = streamableKind(spec);
  if (kind === undefined) {
    throw new DataError(`${spec}: streaming (--stream) reads a .npy file (uint8 or float32) or a folder of uncompressed IDX files; load other data in memory (without --stream)`);
  }
  const { blockRows, windowBlocks } = windowPlan(opts.shuffleBuffer);
  const files: RowFile[] = [];
  try {
    let reader: RowFile;
    let test: Dataset;
    let trainRanges: RowRange[];
    let numClasses = 0;
    if (kind === 'npy') {
      reader = RowFile.npy(spec, opts);
      files.push(reader);
      const blocks = cutBlocks([{ start: 0, count: reader.rows }], blockRows);
      if (blocks.length < 2) throw new DataError(`${spec}: ${reader.rows} rows make a single block of ${blockRows}; so small a file needs no streaming (drop --stream, or use a smaller --shuffle-buffer)`);
      const testRows = Math.min(reader.rows * opts.testFraction, TEST_ROWS_MAX);
      const t = Math.min(blocks.length - 1, Math.max(1, Math.round(testRows / blockRows)));
      const perm = new Rng(`${opts.splitSeed}:stream-split`).permutation(blocks.length);
      const held = new Set(Array.from(perm.subarray(0, t)));
      test = readRows(reader, blocks.filter((_, i) => held.has(i)), `${spec} [test]`);
      trainRanges = blocks.filter((_, i) => !held.has(i));
    } else {
      const p = findIdxFiles(spec);
      reader = RowFile.idx(p.trainImages!, p.trainLabels, opts);
      files.push(reader);
      if (!p.testImages) throw new DataError(`${spec}: no t10k-images-idx3-ubyte[.gz] for the test split`);
      numClasses = reader.scanNumClasses();
      if (p.testImages.endsWith('.gz') || (p.testLabels?.endsWith('.gz') ?? false)) {
        if (!p.testLabels) throw new DataError(`${spec}: no t10k-labels-idx1-ubyte[.gz] for the test split`);
        test = subset(loadIdxPair(p.testImages, p.testLabels, `${spec} [test]`), TEST_ROWS_MAX);
      } else {
        const testFile = RowFile.idx(p.testImages, p.testLabels, opts);
        files.push(testFile);
        test = readRows(testFile, cutBlocks([{ start: 0, count: Math.min(testFile.rows, TEST_ROWS_MAX) }], blockRows), `${spec} [test]`);
      }
      if (test.sampleShape.join('x') !== reader.sampleShape.join('x')) {
        throw new DataError(`${spec}: train images are [${reader.sampleShape.join(', ')}] but test images are [${test.sampleShape.join(', ')}]`);
      }
      trainRanges = cutBlocks([{ start: 0, count: reader.rows }], blockRows);
    }
    if (opts.limit !== undefined) trainRanges = firstRows(trainRanges, opts.limit);
    const n = trainRanges.reduce((a, r) => a + r.count, 0);
    if (test.labels) for (const l of test.labels) numClasses = Math.max(numClasses, l + 1);
    const labelled = numClasses > 0 ? { numClasses } : {};
    const stream: StreamingData = { kind: 'stream', name: spec, n, sampleShape: reader.sampleShape, reader, blocks: trainRanges, blockRows, windowBlocks, ...labelled };
    const sampleOrder = new Rng(`${opts.splitSeed}:stream-sample`).permutation(trainRanges.length);
    const sampleBlocks: RowRange[] = [];
    for (let i = 0, rows = 0; i < sampleOrder.length && rows < SAMPLE_ROWS_MAX; i++) {
      const b = trainRanges[sampleOrder[i]!]!;
      const take = Math.min(b.count, SAMPLE_ROWS_MAX - rows);
      sampleBlocks.push({ start: b.start, count: take });
      rows += take;
    }
    const train = { ...readRows(reader, sampleBlocks, `${spec} [train sample]`), ...labelled };
    // Nothing stays open until training reads (so an error before then leaks no descriptor).
    for (const f of files) f.close();
    return { stream, train, test: { ...test, ...labelled }, source: kind === 'npy' ? 'shuffled' : 'fixed', close: () => reader.close() };
  } catch (e) {
    for (const f of files) f.close();
    throw e;
  }
}

/** The first `limit` rows of `ranges`, in file order. */
function firstRows(ranges: readonly RowRange[], limit: number): RowRange[] {
  const out: RowRange[] = [];
  let left = limit;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (left === 0) break;
    out.push({ start: r.start, count: Math.min(r.count, left) });
    left -= out[out.length - 1]!.count;
  }
  return out;
}

/** The rows of `ranges` (in that order), decoded, as an in-memory {@link Dataset}. */
function readRows(file: RowFile, ranges: readonly RowRange[], name: string): Dataset {
  const n = ranges.reduce((a, r) => a + r.count, 0);
  const dim = file.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * dim);
  const labels = file.labelled ? new Int32Array(n) : undefined;
  let at = 0;
  for (const r of ranges) {
    const bytes = new Uint8Array(r.count * file.rowBytes);
    file.readSync(r, bytes, labels ? labels.subarray(at, at + r.count) : null);
    for (let i = 0; i < r.count; i++) {
      const out = x.subarray((at + i) * dim, (at + i + 1) * dim);
      const bad = file.decode(bytes.subarray(i * file.rowBytes, (i + 1) * file.rowBytes), out);
      if (bad >= 0) throw file.invalid(r.start + i, bad, out[bad]!);
    }
    at += r.count;
  }
  return { name, n, sampleShape: file.sampleShape, x, ...(labels && { labels }) };
}
