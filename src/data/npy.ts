import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';
import { checkFitsInMemory, readDataFile } from './io.js';
import { validateFinite } from './ops.js';

/** Parsed `.npy` header: numpy dtype descriptor (e.g. `<f4`), C-order flag and shape. */
export interface NpyHeader {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  /** Byte offset of the array data within the file. */
  readonly dataOffset: number;
}

/** Element readers by dtype kind+size (endianness handled separately). */
const READERS: Record<string, { size: number; get: (dv: DataView, off: number, le: boolean) => number }> = {
  f4: { size: 4, get: (dv, o, le) => dv.getFloat32(o, le) },
  f8: { size: 8, get: (dv, o, le) => dv.getFloat64(o, le) },
  u1: { size: 1, get: (dv, o) => dv.getUint8(o) },
  i1: { size: 1, get: (dv, o) => dv.getInt8(o) },
  u2: { size: 2, get: (dv, o, le) => dv.getUint16(o, le) },
  i2: { size: 2, get: (dv, o, le) => dv.getInt16(o, le) },
  u4: { size: 4, get: (dv, o, le) => dv.getUint32(o, le) },
  i4: { size: 4, get: (dv, o, le) => dv.getInt32(o, le) },
  i8: { size: 8, get: (dv, o, le) => Number(dv.getBigInt64(o, le)) },
  u8: { size: 8, get: (dv, o, le) => Number(dv.getBigUint64(o, le)) },
};

/**
 * Parse the header of a `.npy` file (format versions 1.0, 2.0 and 3.0): magic `\x93NUMPY`,
 * version bytes, u16 (v1) or u32 (v2+) little-endian header length, then a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (n, ...), }`. Throws {@link DataError}.
 */
export function parseNpyHeader(bytes: Uint8Array, source: string): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) {
    throw new DataError(`${source}: not a .npy file (missing \\x93NUMPY magic)`);
  }
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError(`${source}: truncated .npy header`);
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new DataError(`${source}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) throw new DataError(`${source}: truncated .npy header`);
  const text = Buffer.from(bytes.subarray(start, start + headerLen)).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) {
    throw new DataError(`${source}: unsupported .npy dtype (structured or missing 'descr' in header ${JSON.stringify(text.trim())})`);
  }
  if (fortran === undefined || shapeText === undefined) {
    throw new DataError(`${source}: malformed .npy header ${JSON.stringify(text.trim())}`);
  }
  const shape: number[] = [];
  for (const part of shapeText.split(',')) {
    const p = part.trim().replace(/L$/, '');
    if (p === '') continue;
    if (!/^\d+$/.test(p)) throw new DataError(`${source}: malformed .npy shape ${JSON.stringify(`(${shapeText})`)}`);
    shape.push(Number(p));
  }
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLen };
}

/**
 * Load a `.npy` array of shape [n, ...] as a {@link Dataset} named by `path`: sampleShape =
 * shape.slice(1) (a 1-d array gives sampleShape [1]). Supported dtypes: f4, f8, u1 (scaled
 * `/255` to [0, 1]), i1, i2, i4, i8, u2, u4, u8 (values as-is), little- or big-endian.
 * Throws {@link DataError} for Fortran order, unsupported dtype, 0-d arrays, a data size that
 * does not match the shape, no rows, or NaN/Infinity (naming the first bad row/column).
 */
export function loadNpy(path: string): Dataset {
  const bytes = readDataFile(path);
  const h = parseNpyHeader(bytes, path);
  if (h.fortranOrder) {
    throw new DataError(`${path}: Fortran-order arrays are not supported; save with np.ascontiguousarray(a) first`);
  }
  const m = /^([<>|=])([fiu])(\d+)$/.exec(h.descr);
  const reader = m ? READERS[m[2]! + m[3]!] : undefined;
  if (m === null || reader === undefined) {
    throw new DataError(`${path}: unsupported .npy dtype ${JSON.stringify(h.descr)} (supported: f4, f8, u1, i1, i2, i4, i8, u2, u4, u8)`);
  }
  const le = m[1] !== '>';
  if (h.shape.length === 0) throw new DataError(`${path}: 0-d array; expected shape [n, ...]`);
  const n = h.shape[0]!;
  const sampleShape = h.shape.length === 1 ? [1] : h.shape.slice(1);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const need = count * reader.size;
  const have = bytes.length - h.dataOffset;
  if (have !== need) {
    throw new DataError(
      `${path}: shape (${h.shape.join(', ')}) of ${h.descr} needs ${need} data bytes, file has ${have}${have < need ? ' (truncated)' : ''}`,
    );
  }
  if (n === 0 || count === 0) throw new DataError(`no data rows in ${path} (shape (${h.shape.join(', ')}))`);
  checkFitsInMemory(path, `shape (${h.shape.join(', ')})`, 4 * count);

  const x = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, need);
  const isByte = m[2] === 'u' && m[3] === '1';
  if (isByte) {
    for (let i = 0; i < count; i++) x[i] = dv.getUint8(i) / 255;
  } else {
    for (let i = 0; i < count; i++) x[i] = reader.get(dv, i * reader.size, le);
  }
  const ds: Dataset = { name: path, n, sampleShape, x };
  validateFinite(ds);
  return ds;
}

/** A float32, C-order .npy (format 1.0) of `data` with `shape`; little-endian like every platform Node runs on. */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
