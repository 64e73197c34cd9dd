/**
 * Row readers over data files too big to load: a `.npy` array (`|u1` or `<f4`, C order) or an
 * uncompressed IDX images file (with its labels file). Only the header is parsed up front;
 * rows are read on demand at their byte offsets, asynchronously (libuv thread pool, so the
 * reads overlap ONNX Runtime's step) or synchronously (for small samples at start-up).
 *
 * A reader holds its file open only while it reads: {@link RowFile.close} closes it, and the
 * next read opens it again (so a reader that is set aside holds no descriptor).
 *
 * Row r of a file with data offset o and row size b occupies bytes [o + r·b, o + (r+1)·b).
 * Decoding gives float32 values as the in-memory loaders do: u1 bytes v ↦ v / 255, f4 as
 * stored (checked finite); with `binarize: 'static'` then x ↦ [x > 0.5].
 */
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import type { RowRange, RowReader } from '../streaming-data.js';
import { DataError } from '../errors.js';
import { checkDataSize, readIdxHeader } from '../idx.js';
import { dataFileError } from '../io.js';
import { parseNpyHeader } from '../npy.js';
import { BINARIZE_THRESHOLD } from '../transforms.js';

export interface RowFileOptions {
  /** `static`: decode to x > 0.5 ? 1 : 0; `dynamic`: values must lie in [0, 1] (they are probabilities). */
  readonly binarize?: 'static' | 'dynamic';
}

/** How the stored values decode: unsigned bytes scaled by 1/255, or little-endian float32. */
type Encoding = 'u1' | 'f4';

/** A {@link RowReader} on an open file descriptor (plus the labels file's, for IDX). Call {@link close} when done. */
export class RowFile implements RowReader {
  readonly rowBytes: number;
  readonly labelled: boolean;
  private readonly dim: number;

  private constructor(
    readonly name: string,
    private fd: number | undefined,
    private readonly dataOffset: number,
    /** Rows in the file. */
    readonly rows: number,
    readonly sampleShape: readonly number[],
    private readonly encoding: Encoding,
    private readonly labelFile: { fd: number | undefined; readonly path: string; readonly offset: number } | undefined,
    private readonly options: RowFileOptions,
  ) {
    this.dim = sampleShape.reduce((a, b) => a * b, 1);
    this.rowBytes = this.dim * (encoding === 'u1' ? 1 : 4);
    this.labelled = labelFile !== undefined;
  }

  /** Opens a `.npy` file of dtype `|u1` (or `<u1`) or `<f4`, C order, shape [n, ...]. Throws {@link DataError}. */
  static npy(path: string, options: RowFileOptions = {}): RowFile {
    const fd = openData(path);
    try {
      const size = fstatSync(fd).size;
      const head = readHead(fd, Math.min(size, 1 << 16));
      const h = parseNpyHeader(head, path);
      if (h.fortranOrder) throw new DataError(`${path}: Fortran-order arrays are not supported; save with np.ascontiguousarray(a) first`);
      const encoding: Encoding | undefined = /^[|<=]u1$/.test(h.descr) ? 'u1' : /^[<=]f4$/.test(h.descr) ? 'f4' : undefined;
      if (!encoding) throw new DataError(`${path}: streaming reads uint8 (|u1) or float32 (<f4) .npy files, not '${h.descr}'; convert it (e.g. a.astype('<f4')) or load it without --stream`);
      if (h.shape.length === 0) throw new DataError(`${path}: 0-d array; expected shape [n, ...]`);
      const n = h.shape[0]!;
      const sampleShape = h.shape.length === 1 ? [1] : h.shape.slice(1);
      const need = h.shape.reduce((a, b) => a * b, 1) * (encoding === 'u1' ? 1 : 4);
      const have = size - h.dataOffset;
      if (have !== need) throw new DataError(`${path}: shape (${h.shape.join(', ')}) of ${h.descr} needs ${need} data bytes, file has ${have}${have < need ? ' (truncated)' : ''}`);
      if (n === 0 || need === 0) throw new DataError(`no data rows in ${path} (shape (${h.shape.join(', ')}))`);
      return new RowFile(path, fd, h.dataOffset, n, sampleShape, encoding, undefined, options);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * Opens an uncompressed IDX images file (u8, dims [n, ...]; [n, h, w] gives sampleShape
   * [1, h, w]) and, if given, its 1-d labels file. A gzipped file cannot be read at an offset:
   * {@link DataError} with the hint to gunzip it.
   */
  static idx(imagesPath: string, labelsPath: string | undefined, options: RowFileOptions = {}): RowFile {
    const images = openIdx(imagesPath);
    let labels: ReturnType<typeof openIdx> | undefined;
    try {
      if (images.dims.length < 2) throw new DataError(`${imagesPath}: expected an image array [n, ...], got dims [${images.dims.join(', ')}]`);
      if (labelsPath !== undefined) {
        labels = openIdx(labelsPath);
        if (labels.dims.length !== 1) throw new DataError(`${labelsPath}: expected a 1-d label array [n], got dims [${labels.dims.join(', ')}]`);
        if (labels.dims[0] !== images.dims[0]) throw new DataError(`${labelsPath}: ${labels.dims[0]} labels but ${imagesPath} has ${images.dims[0]} images`);
      }
      const n = images.dims[0]!;
      if (n === 0) throw new DataError(`${imagesPath}: no images`);
      const rest = images.dims.slice(1);
      const sampleShape = rest.length === 2 ? [1, rest[0]!, rest[1]!] : rest;
      const labelFile = labels && { fd: labels.fd, path: labelsPath!, offset: labels.offset };
      return new RowFile(imagesPath, images.fd, images.offset, n, sampleShape, 'u1', labelFile, options);
    } catch (e) {
      closeSync(images.fd);
      if (labels) closeSync(labels.fd);
      throw e;
    }
  }

  private dataFd(): number {
    return (this.fd ??= openData(this.name));
  }

  private labelFd(): number {
    return (this.labelFile!.fd ??= openData(this.labelFile!.path));
  }

  async read(range: RowRange, bytes: Uint8Array, labels: Int32Array | null): Promise<void> {
    const x = readFull(this.dataFd(), bytes, range.count * this.rowBytes, this.dataOffset + range.start * this.rowBytes, this.name);
    if (labels && this.labelFile) {
      const raw = new Uint8Array(range.count);
      await readFull(this.labelFd(), raw, range.count, this.labelFile.offset + range.start, this.labelFile.path);
      for (let i = 0; i < range.count; i++) labels[i] = raw[i]!;
    }
    await x;
  }

  /** {@link read}, synchronously (for the small samples read at start-up). */
  readSync(range: RowRange, bytes: Uint8Array, labels: Int32Array | null): void {
    readFullSync(this.dataFd(), bytes, range.count * this.rowBytes, this.dataOffset + range.start * this.rowBytes, this.name);
    if (labels && this.labelFile) {
      const raw = new Uint8Array(range.count);
      readFullSync(this.labelFd(), raw, range.count, this.labelFile.offset + range.start, this.labelFile.path);
      for (let i = 0; i < range.count; i++) labels[i] = raw[i]!;
    }
  }

  /** The largest label + 1, scanning the labels file in 1 MiB chunks (0 without labels). */
  scanNumClasses(): number {
    if (!this.labelFile) return 0;
    const chunk = new Uint8Array(1 << 20);
    let max = -1;
    for (let at = 0; at < this.rows; at += chunk.length) {
      const len = Math.min(chunk.length, this.rows - at);
      readFullSync(this.labelFd(), chunk, len, this.labelFile.offset + at, this.labelFile.path);
      for (let i = 0; i < len; i++) if (chunk[i]! > max) max = chunk[i]!;
    }
    return max + 1;
  }

  decode(bytes: Uint8Array, out: Float32Array): number {
    const d = this.dim;
    const binarize = this.options.binarize;
    if (this.encoding === 'u1') {
      if (binarize === 'static') for (let i = 0; i < d; i++) out[i] = bytes[i]! / 255 > BINARIZE_THRESHOLD ? 1 : 0;
      else for (let i = 0; i < d; i++) out[i] = bytes[i]! / 255;
      return -1;
    }
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset, d));
    for (let i = 0; i < d; i++) {
      const v = out[i]!;
      if (!Number.isFinite(v) || (binarize === 'dynamic' && !(v >= 0 && v <= 1))) return i;
      if (binarize === 'static') out[i] = v > BINARIZE_THRESHOLD ? 1 : 0;
    }
    return -1;
  }

  invalid(row: number, column: number, value: number): Error {
    if (!Number.isFinite(value)) return new DataError(`${this.name}: non-finite value ${value} at row ${row}, column ${column}`);
    return new DataError(`${this.name}: --binarize dynamic needs values in [0, 1] (probabilities), but row ${row}, column ${column} is ${value}; rescale the data or use --binarize static`);
  }

  /** Closes the files (a later read opens them again). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.labelFile?.fd !== undefined) closeSync(this.labelFile.fd);
    if (this.labelFile) this.labelFile.fd = undefined;
  }
}

function openData(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw dataFileError(path, e);
  }
}

function readHead(fd: number, length: number): Uint8Array {
  const head = new Uint8Array(length);
  const got = readSync(fd, head, 0, length, 0);
  return head.subarray(0, got);
}

/** Opens an uncompressed IDX file, parses its header (data/idx.ts) and checks that its size matches the dims. */
function openIdx(path: string): { fd: number; dims: number[]; offset: number } {
  const fd = openData(path);
  try {
    const size = fstatSync(fd).size;
    const head = readHead(fd, Math.min(size, 4 + 4 * 255));
    if (head[0] === 0x1f && head[1] === 0x8b) throw new DataError(`${path}: a gzipped IDX file cannot be streamed (gzip cannot seek); gunzip it first (gunzip -k ${path})`);
    const header = readIdxHeader(head, path);
    checkDataSize(header, size - header.headerLen, path, '');
    return { fd, dims: header.dims, offset: header.headerLen };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads exactly `length` bytes at `position` into `buf` (looping over short reads), in the thread pool. */
async function readFull(fd: number, buf: Uint8Array, length: number, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const got = await new Promise<number>((resolve, reject) => read(fd, buf, done, length - done, position + done, (err, n) => (err ? reject(dataFileError(path, err)) : resolve(n))));
    if (got === 0) throw new DataError(`${path}: file ended at byte ${position + done}, expected ${length - done} more (was it truncated while training?)`);
    done += got;
  }
}

function readFullSync(fd: number, buf: Uint8Array, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    let got: number;
    try {
      got = readSync(fd, buf, done, length - done, position + done);
    } catch (e) {
      throw dataFileError(path, e);
    }
    if (got === 0) throw new DataError(`${path}: file ended at byte ${position + done}, expected ${length - done} more`);
    done += got;
  }
}
