/**
 * The safetensors byte format as latentkit writes and reads it: F32 tensors, string metadata and
 * a sha256 checksum, encoded to and decoded from bytes. Portable (no Node module): the checksum
 * uses WebCrypto (`globalThis.crypto.subtle`, in Node ≥ 20 and browsers), so both directions are
 * async. The file functions (read, atomic write) are in ./safetensors.ts.
 *
 * Layout: `u64 LE header length N` ‖ `N bytes of UTF-8 JSON header, space-padded so N % 8 == 0`
 * ‖ data (https://github.com/huggingface/safetensors#format).
 */

/**
 * A named float32 tensor as stored in a safetensors file: `data` is row-major (C order) with
 * `data.length === prod(shape)` (a scalar has shape `[]` and one value).
 */
export interface TensorF32 {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/**
 * Result of {@link decodeSafetensors}: fresh, properly aligned copies of every tensor, the
 * metadata map without the checksum entry that was verified, and what that checksum covered.
 */
export interface DecodedSafetensors {
  readonly tensors: Record<string, { data: Float32Array; shape: number[] }>;
  readonly metadata: Record<string, string>;
  readonly checksum: ChecksumScope;
}

/**
 * Thrown when a safetensors file is structurally invalid (truncated, bad header, bad offsets,
 * checksum mismatch, unsupported dtype, ...). The message is one line and names the file, e.g.
 * `checkpoint runs/x/checkpoint.safetensors is truncated: header says 1234 bytes of data, file has 1000`.
 */
export class CorruptFileError extends Error {
  /** The file (or other source label) that was being decoded. */
  readonly source: string;
  /** The reason without the file prefix. */
  readonly reason: string;
  constructor(source: string, reason: string) {
    super(`checkpoint ${source} ${reason}`);
    this.name = 'CorruptFileError';
    this.source = source;
    this.reason = reason;
  }
}

/**
 * Metadata key of the file checksum that {@link encodeSafetensors} writes: `sha256:<64 lowercase
 * hex digits>` over the metadata, the tensor table and the data (see {@link fileChecksum}).
 */
export const CHECKSUM_METADATA_KEY = 'checksum';

/**
 * Metadata key of the checksum written before the file checksum existed (latentkit ≤ 0.1.0,
 * checkpoint format 1): sha256 (hex) of the data section only. Still verified when a file has
 * no {@link CHECKSUM_METADATA_KEY}; never written any more.
 */
export const SHA256_METADATA_KEY = 'sha256';

/**
 * What a decoded file's checksum covered: `'file'` = metadata, tensor table and data
 * ({@link CHECKSUM_METADATA_KEY}); `'data'` = the data section only (legacy {@link SHA256_METADATA_KEY}).
 */
export type ChecksumScope = 'file' | 'data';

/** Safetensors caps the JSON header at 100 MB; anything larger is treated as corrupt. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encode tensors into the safetensors layout:
 * `u64 LE header length N` + `N bytes of UTF-8 JSON header, space-padded so N % 8 == 0` + data.
 *
 * Tensors are laid out contiguously in name order (JS string sort), all with dtype `F32`, data
 * little-endian. `metadata` (string → string) is stored under `__metadata__`, together with
 * {@link CHECKSUM_METADATA_KEY} = `sha256:` + {@link fileChecksum} of everything else. Throws a
 * plain Error on invalid input (shape/data length mismatch, non-integer dims, reserved tensor
 * name `__metadata__`, a caller-supplied checksum key).
 */
export async function encodeSafetensors(
  tensors: Record<string, TensorF32>,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  let total = 0;
  const entries: { name: string; begin: number; t: TensorF32 }[] = [];
  for (const name of names) {
    if (name === METADATA_KEY || name === '__proto__' || name.length === 0) {
      throw new Error(`encodeSafetensors: invalid tensor name '${name}'`);
    }
    const t = tensors[name]!;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new Error(`encodeSafetensors: tensor '${name}' has invalid shape [${t.shape.join(', ')}]`);
      }
    }
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) {
      throw new Error(
        `encodeSafetensors: tensor '${name}' has shape [${t.shape.join(', ')}] (${numel} values) but ${t.data.length} values`,
      );
    }
    entries.push({ name, begin: total, t });
    total += numel * 4;
  }

  const data = new Uint8Array(total);
  for (const { begin, t } of entries) writeF32LE(data, begin, t.data);

  const meta: Record<string, string> = Object.fromEntries(Object.entries(metadata));
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw new Error(`encodeSafetensors: metadata value for '${k}' is not a string`);
    if (k === CHECKSUM_METADATA_KEY || k === SHA256_METADATA_KEY) throw new Error(`encodeSafetensors: metadata key '${k}' is reserved for the checksum`);
  }
  const table: TensorTableEntry[] = entries.map(({ name, begin, t }) => ({ name, shape: [...t.shape], begin, end: begin + t.data.length * 4 }));
  header[METADATA_KEY] = { ...meta, [CHECKSUM_METADATA_KEY]: `sha256:${await fileChecksum(meta, table, data)}` };
  for (const { name, shape, begin, end } of table) header[name] = { dtype: 'F32', shape, data_offsets: [begin, end] };

  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + padded + total);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  out.set(data, 8 + padded);
  return out;
}

/**
 * Decode and strictly validate a safetensors file held in `bytes`. `source` names the file in
 * error messages. Only dtype `F32` is accepted. Checks: length ≥ 8, sane header length, UTF-8
 * JSON object header, entry fields, `data_offsets` within the data section, `end - begin ==
 * prod(shape) * 4`, no overlaps or gaps, data section exactly as long as the tensors need, and
 * a checksum: {@link CHECKSUM_METADATA_KEY} (metadata, tensor table and data) or, in files
 * written before it existed, the data-only {@link SHA256_METADATA_KEY}. A file with neither is
 * rejected: latentkit only reads files it wrote. Every failure throws {@link CorruptFileError}.
 * Returned arrays are fresh copies (own, aligned buffers), never views into `bytes`.
 */
export async function decodeSafetensors(bytes: Uint8Array, source: string): Promise<DecodedSafetensors> {
  const fail = (reason: string): never => {
    throw new CorruptFileError(source, reason);
  };
  if (bytes.length < 8) fail(`is truncated: ${bytes.length} bytes, shorter than the 8-byte header length field`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLenBig = view.getBigUint64(0, true);
  if (headerLenBig === 0n) fail('has an empty header (header length 0)');
  if (headerLenBig > BigInt(MAX_HEADER_BYTES)) fail(`has an absurd header length ${headerLenBig} (max ${MAX_HEADER_BYTES})`);
  const headerLen = Number(headerLenBig);
  if (8 + headerLen > bytes.length) {
    fail(`is truncated: header says ${headerLen} bytes of JSON header, file has ${bytes.length - 8} bytes after the length field`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail('has a header that is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(`has a header that is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(parsed)) return fail('has a header that is not a JSON object');

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  let metadata: Record<string, string> = {};
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(value)) fail('has a __metadata__ entry that is not an object');
      const pairs = Object.entries(value as Record<string, unknown>);
      for (const [k, v] of pairs) {
        if (typeof v !== 'string') fail(`has a non-string __metadata__ value for key '${k}'`);
      }
      metadata = Object.fromEntries(pairs) as Record<string, string>;
      continue;
    }
    if (name.length === 0 || name === '__proto__') fail(`has an invalid tensor name '${name}'`);
    if (!isPlainObject(value)) fail(`has a header entry for tensor '${name}' that is not an object`);
    const e = value as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`has an unknown field '${k}' in tensor '${name}'`);
    }
    if (e.dtype !== 'F32') {
      fail(`has tensor '${name}' with unsupported dtype ${JSON.stringify(e.dtype)} (only F32 is supported)`);
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      return fail(`has tensor '${name}' with invalid shape ${JSON.stringify(shape)}`);
    }
    const offs = e.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
    ) {
      return fail(`has tensor '${name}' with invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) fail(`has tensor '${name}' with data_offsets [${begin}, ${end}] ending before they begin`);
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== numel * 4) {
      fail(
        `has tensor '${name}' whose data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${shape.join(', ')}] needs ${numel * 4}`,
      );
    }
    entries.push({ name, shape: shape as number[], begin, end });
  }

  const needed = entries.reduce((m, e) => Math.max(m, e.end), 0);
  if (needed > dataLen) fail(`is truncated: header says ${needed} bytes of data, file has ${dataLen}`);
  if (needed < dataLen) fail(`has ${dataLen - needed} unexpected trailing bytes: header says ${needed} bytes of data, file has ${dataLen}`);

  const byBegin = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '';
  for (const e of byBegin) {
    if (e.begin < cursor) fail(`has overlapping tensors '${prev}' and '${e.name}' (offset ${e.begin} < ${cursor})`);
    if (e.begin > cursor) fail(`has a gap of ${e.begin - cursor} bytes before tensor '${e.name}' (offset ${cursor})`);
    cursor = e.end;
    prev = e.name;
  }

  const dataSection = bytes.subarray(dataStart);
  const { [CHECKSUM_METADATA_KEY]: stated, ...rest } = metadata;
  let checksum: ChecksumScope;
  if (stated !== undefined) {
    const m = /^sha256:([0-9a-f]{64})$/.exec(stated);
    if (!m) fail(`has a malformed checksum ${JSON.stringify(stated.slice(0, 80))} (expected sha256:<64 lowercase hex digits>)`);
    const actual = await fileChecksum(rest, entries, dataSection);
    if (actual !== m![1]) fail(`failed its checksum: sha256 of metadata, tensor table and data is ${actual}, metadata says ${m![1]}`);
    metadata = rest;
    checksum = 'file';
  } else {
    const { [SHA256_METADATA_KEY]: legacy, ...others } = metadata;
    if (legacy === undefined) fail(`has no checksum (metadata key '${CHECKSUM_METADATA_KEY}' is missing), so its contents cannot be trusted`);
    const actual = await sha256Hex(dataSection);
    if (actual !== legacy!.toLowerCase()) fail(`failed its checksum: sha256 of data is ${actual}, metadata says ${legacy}`);
    metadata = others;
    checksum = 'data';
  }

  const tensors = Object.fromEntries(
    entries.map((e) => [e.name, { data: readF32LE(dataSection, e.begin, (e.end - e.begin) / 4), shape: e.shape }]),
  );
  return { tensors, metadata, checksum };
}

/** One row of the tensor table: a tensor's name, shape and byte range in the data section (dtype is always F32). */
export interface TensorTableEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * The file checksum (lowercase hex): sha256( u64le(|c|) ‖ c ‖ data ), where c is the UTF-8 of
 * `JSON.stringify([metadata entries sorted by key, tensor rows [name, "F32", shape, [begin, end]]
 * sorted by name])` and `metadata` excludes {@link CHECKSUM_METADATA_KEY}. The encoding is
 * canonical (independent of header key order and padding), and the length prefix keeps the
 * header part and the data apart. Any change to a metadata key or value, a tensor's name,
 * shape or offsets, or a data byte changes it.
 */
export async function fileChecksum(metadata: Readonly<Record<string, string>>, table: readonly TensorTableEntry[], data: Uint8Array): Promise<string> {
  const byKey = <T>(key: (x: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const meta = Object.entries(metadata)
    .filter(([k]) => k !== CHECKSUM_METADATA_KEY)
    .sort(byKey(([k]) => k));
  const rows = [...table].sort(byKey((e) => e.name)).map((e) => [e.name, 'F32', e.shape, [e.begin, e.end]]);
  const canonical = new TextEncoder().encode(JSON.stringify([meta, rows]));
  const message = new Uint8Array(8 + canonical.length + data.length);
  new DataView(message.buffer).setBigUint64(0, BigInt(canonical.length), true);
  message.set(canonical, 8);
  message.set(data, 8 + canonical.length);
  return sha256Hex(message);
}

/** sha256 of `bytes` as 64 lowercase hex digits (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Write `src` as little-endian float32 into `dst` starting at byte `offset`. */
function writeF32LE(dst: Uint8Array, offset: number, src: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    dst.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), offset);
    return;
  }
  const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (let i = 0; i < src.length; i++) dv.setFloat32(offset + i * 4, src[i]!, true);
}

/** Copy `count` little-endian float32 values starting at byte `offset` into a fresh Float32Array. */
function readF32LE(src: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(src.subarray(offset, offset + count * 4));
    return out;
  }
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(offset + i * 4, true);
  return out;
}
