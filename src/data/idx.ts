import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { Dataset, Split } from './dataset.js';
import { DataError } from './errors.js';
import { checkFitsInMemory, readDataFile } from './io.js';
import { bytesToUnit } from './ops.js';

/** Default location of the Fashion-MNIST IDX files on this machine. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** A parsed IDX array of unsigned bytes: `dims` (e.g. [n, 28, 28]) and row-major `data` of length prod(dims). */
export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/** The fixed part of an IDX file: its dims, the header length `4 + 4·ndim`, and the declared data bytes prod(dims). */
export interface IdxHeader {
  readonly dims: number[];
  readonly headerLen: number;
  readonly count: number;
}

/**
 * Largest data section (prod(dims) bytes) an IDX file may declare: one Node buffer
 * (`buffer.constants.MAX_LENGTH`, 4 GiB on Node 20). Larger files are for a streaming reader.
 */
export const MAX_IDX_DATA_BYTES = bufferConstants.MAX_LENGTH;

/** Compressed bytes first inflated to find the header (doubled until the header is out); each try yields ≤ 1032× its input. */
const HEADER_PROBE_BYTES = 4096;
/** Output cap while looking for the header (16 MiB: far more than a 1 KiB header needs). */
const HEADER_PROBE_MAX_OUTPUT = 1 << 24;

/**
 * Parse IDX bytes (`00 00 <dtype> <ndim>`, then ndim big-endian u32 sizes, then data). Only dtype
 * 0x08 (unsigned byte) is supported, so the magic is 0x00000801 (labels), 0x00000803 (images),
 * etc. The data length must match the dims exactly. `source` names the file in
 * {@link DataError} messages.
 *
 * Gzip input (starting 1f 8b) is inflated header first: the header is read from the first
 * compressed bytes, the declared size prod(dims) is checked against {@link MAX_IDX_DATA_BYTES}
 * and the free memory (the bytes plus their float32 copy, 5·prod(dims)), and only then is the
 * stream inflated, stopping at header + prod(dims) bytes (more is an error). A gzip bomb thus
 * fails after at most a few MB of output.
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return parseGzippedIdx(bytes, source);
  const h = readIdxHeader(bytes, source);
  checkDataSize(h, bytes.length - h.headerLen, source, '');
  checkFitsInMemory(source, `IDX dims [${h.dims.join(', ')}]`, 4 * h.count);
  return { dims: h.dims, data: bytes.subarray(h.headerLen) };
}

function parseGzippedIdx(gz: Uint8Array, source: string): IdxArray {
  const h = readIdxHeader(gunzipHead(gz, source), source);
  const declared = `IDX dims [${h.dims.join(', ')}] (${h.count} bytes of data)`;
  if (h.count > MAX_IDX_DATA_BYTES - h.headerLen) {
    throw new DataError(`${source}: ${declared} exceed the ${MAX_IDX_DATA_BYTES}-byte limit of one in-memory array`);
  }
  checkFitsInMemory(source, declared, 5 * h.count);
  const buf = gunzip(gz, source, h.headerLen + h.count, () => `${source}: IDX dims [${h.dims.join(', ')}] need ${h.count} data bytes, the decompressed file has more`);
  checkDataSize(h, buf.length - h.headerLen, source, 'decompressed ');
  return { dims: h.dims, data: buf.subarray(h.headerLen) };
}

/** The magic, dtype and dims at the start of `buf` (which may hold more), or a {@link DataError}. */
export function readIdxHeader(buf: Uint8Array, source: string): IdxHeader {
  if (buf.length < 4) throw new DataError(`${source}: not an IDX file (only ${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DataError(`${source}: not an IDX file (bad magic ${hex(buf.subarray(0, 4))})`);
  }
  if (buf[2] !== 0x08) {
    throw new DataError(`${source}: unsupported IDX dtype 0x${buf[2]!.toString(16).padStart(2, '0')} (only 0x08 unsigned byte)`);
  }
  const ndim = buf[3]!;
  if (ndim < 1) throw new DataError(`${source}: IDX file declares 0 dimensions`);
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw new DataError(`${source}: truncated IDX header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(dv.getUint32(4 + 4 * i, false));
  // Each dim < 2^32 and ndim ≤ 255, so the product is exact until it passes 2^53, far beyond any limit.
  return { dims, headerLen, count: dims.reduce((a, b) => a * b, 1) };
}

/** A {@link DataError} unless `have` data bytes are exactly the prod(dims) the header declares (`what` qualifies "file", e.g. `decompressed `). */
export function checkDataSize(h: IdxHeader, have: number, source: string, what: string): void {
  if (have !== h.count) {
    throw new DataError(
      `${source}: IDX dims [${h.dims.join(', ')}] need ${h.count} data bytes, ${what}file has ${have}${have < h.count ? ' (truncated)' : ''}`,
    );
  }
}

/**
 * The first bytes of a gzip stream, at least the IDX header (4 + 4·ndim bytes) when the stream
 * holds that much. Inflates growing prefixes of the compressed bytes with `Z_SYNC_FLUSH` (so a
 * cut-off prefix is not an error), each capped at {@link HEADER_PROBE_MAX_OUTPUT}.
 */
function gunzipHead(gz: Uint8Array, source: string): Uint8Array {
  for (let k = Math.min(gz.length, HEADER_PROBE_BYTES); ; k = Math.min(gz.length, 2 * k)) {
    let out: Buffer;
    try {
      out = gunzipSync(gz.subarray(0, k), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: HEADER_PROBE_MAX_OUTPUT });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DataError(`${source}: no IDX header in the first ${HEADER_PROBE_MAX_OUTPUT} decompressed bytes`);
      }
      throw gzipError(source, err);
    }
    const need = out.length >= 4 ? 4 + 4 * out[3]! : 4;
    if (out.length >= need) return out;
    // The whole stream is shorter than a header: inflate it strictly, to report a cut-off or corrupt stream as such.
    if (k === gz.length) return gunzip(gz, source, HEADER_PROBE_MAX_OUTPUT, () => `${source}: not an IDX file`);
  }
}

/** Inflates all of `gz`, stopping with the {@link DataError} `tooLong()` once the output passes `max` bytes. */
function gunzip(gz: Uint8Array, source: string, max: number, tooLong: () => string): Buffer {
  try {
    return gunzipSync(gz, { maxOutputLength: Math.max(1, max) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DataError(tooLong());
    throw gzipError(source, err);
  }
}

function gzipError(source: string, err: unknown): DataError {
  const msg = (err as Error).message.replace(/\s+/g, ' ');
  if ((err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') return new DataError(`${source}: gzip data is truncated (${msg})`);
  return new DataError(`${source}: corrupt gzip data (${msg})`);
}

/**
 * Encode an unsigned-byte IDX array (the inverse of {@link parseIdx} without gzip):
 * `00 00 08 ndim`, then the ndim sizes as big-endian u32, then the prod(dims) data bytes.
 */
export function encodeIdx(dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 0x08, dims.length]);
  const dv = new DataView(out.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** Read and parse one IDX file (optionally gzipped); see {@link parseIdx}. */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readDataFile(path), path);
}

/**
 * Load an images/labels IDX pair into a {@link Dataset}.
 *
 * Images: IDX u8 with ≥ 2 dims [n, ...]; values become float32 `v / 255`. A 3-d file [n, h, w]
 * gets sampleShape `[1, h, w]`, otherwise sampleShape = dims.slice(1). Labels: 1-d IDX u8 [n];
 * numClasses = max label + 1. Throws {@link DataError} on a count mismatch or malformed file.
 */
export function loadIdxPair(imagesPath: string, labelsPath: string, name: string): Dataset {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dims.length < 2) throw new DataError(`${imagesPath}: expected an image array [n, ...], got dims [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new DataError(`${labelsPath}: expected a 1-d label array [n], got dims [${labels.dims.join(', ')}]`);
  const n = images.dims[0]!;
  if (labels.dims[0] !== n) throw new DataError(`${labelsPath}: ${labels.dims[0]} labels but ${imagesPath} has ${n} images`);
  if (n === 0) throw new DataError(`${imagesPath}: no images`);
  const rest = images.dims.slice(1);
  if (rest.some((d) => d === 0)) throw new DataError(`${imagesPath}: images of size [${rest.join(', ')}] hold no pixels`);
  const sampleShape = rest.length === 2 ? [1, rest[0]!, rest[1]!] : rest;
  const lab = Int32Array.from(labels.data);
  let max = 0;
  for (const l of lab) max = Math.max(max, l);
  return { name, n, sampleShape, x: bytesToUnit(images.data), labels: lab, numClasses: max + 1 };
}

/** The four files of an MNIST-style IDX folder. */
export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

const IDX_ROLE_NAMES: Record<IdxRole, readonly [stem: string, kind: string]> = {
  trainImages: ['train', 'images-idx3'],
  trainLabels: ['train', 'labels-idx1'],
  testImages: ['t10k', 'images-idx3'],
  testLabels: ['t10k', 'labels-idx1'],
};

/**
 * The file names a role may have, in the order they are looked for: `<stem>-<kind>-ubyte`, then
 * with `.idx` instead of `-idx` (`train-images.idx3-ubyte`), each plain before `.gz` (a plain
 * file loads without inflating and can be streamed).
 */
export function idxFileNames(role: IdxRole): string[] {
  const [stem, kind] = IDX_ROLE_NAMES[role];
  return [`${stem}-${kind}-ubyte`, `${stem}-${kind.replace('-idx', '.idx')}-ubyte`].flatMap((b) => [b, `${b}.gz`]);
}

/** The IDX files in `dir` by role (the first of {@link idxFileNames} present); roles without a file are absent. */
export function findIdxFiles(dir: string): Partial<Record<IdxRole, string>> {
  const found: Partial<Record<IdxRole, string>> = {};
  for (const role of Object.keys(IDX_ROLE_NAMES) as IdxRole[]) {
    const hit = idxFileNames(role).find((f) => existsSync(join(dir, f)));
    if (hit !== undefined) found[role] = join(dir, hit);
  }
  return found;
}

/**
 * Load an MNIST-style directory: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, named as {@link idxFileNames} lists. Train and test share numClasses
 * (the larger of the two). Throws {@link DataError} if the directory or a file is missing.
 */
export function loadIdxDir(dir: string, name: string = dir): Split {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError(`data directory not found: ${dir}`);
  const files = findIdxFiles(dir);
  const find = (role: IdxRole): string => {
    const found = files[role];
    if (found !== undefined) return found;
    const [first, ...others] = idxFileNames(role);
    throw new DataError(`data file not found: ${join(dir, first!)} (also tried ${others.join(', ')})`);
  };
  const train = loadIdxPair(find('trainImages'), find('trainLabels'), `${name} [train]`);
  const test = loadIdxPair(find('testImages'), find('testLabels'), `${name} [test]`);
  if (train.sampleShape.join('x') !== test.sampleShape.join('x')) {
    throw new DataError(`${dir}: train images are [${train.sampleShape.join(', ')}] but test images are [${test.sampleShape.join(', ')}]`);
  }
  const k = Math.max(train.numClasses ?? 0, test.numClasses ?? 0);
  return { train: { ...train, numClasses: k }, test: { ...test, numClasses: k } };
}

/**
 * Load Fashion-MNIST from `dir` (default {@link DEFAULT_FASHION_MNIST_DIR}): 60,000 train and
 * 10,000 test images, sampleShape [1, 28, 28], values in [0, 1], labels 0..9, numClasses 10,
 * classNames {@link FASHION_MNIST_CLASSES}.
 */
export function loadFashionMnist(dir: string = DEFAULT_FASHION_MNIST_DIR): Split {
  const { train, test } = loadIdxDir(dir, 'fashion-mnist');
  return { train: { ...train, classNames: FASHION_MNIST_CLASSES }, test: { ...test, classNames: FASHION_MNIST_CLASSES } };
}

/** Fashion-MNIST's class names, index = label (Xiao, Rasul & Vollgraf 2017). */
export const FASHION_MNIST_CLASSES: readonly string[] = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, '0')).join(' ');
}
