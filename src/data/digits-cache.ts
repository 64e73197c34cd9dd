/**
 * A binary cache of the bundled digits (`mnist/src/digits/<d>.json`, ~41 MB of JSON that takes
 * 2–3 s to parse). The JSON holds only a few hundred distinct values (pixels rounded to three
 * decimals), so the cache stores each digit file's float32 values as one-byte codes into a
 * float32 codebook: decoding gives bit-identical Float32Arrays from ~8 MB in tens of ms.
 *
 * Layout (little-endian):
 *   bytes 0..7    magic `LKDIGIT1`
 *   bytes 8..11   u32 length H of the header (JSON, space-padded to a multiple of 4)
 *   12..12+H      header `{ sources: [{size, mtimeMs}] ×10, rows: [r_0..r_9], codebook: K, sha256 }`
 *   then          codebook float32[K], then codes u8[Σ r_d · 784]
 * `sources` fingerprints the JSON files: a cache made from other files is ignored. `sha256` covers
 * everything after the header, so a truncated or corrupt cache is ignored too (and rewritten).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../persist/atomic.js';

const MAGIC = 'LKDIGIT1';

/** Size and modification time of one source JSON file. */
export interface SourceStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

interface Header {
  readonly sources: SourceStamp[];
  readonly rows: number[];
  readonly codebook: number;
  readonly sha256: string;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The per-digit float32 values stored in the cache file `path`, or undefined if it is missing,
 * unreadable, made from other source files (`sources` differ), or corrupt. `dim` values per row.
 */
export function readDigitsCache(path: string, sources: readonly SourceStamp[], dim: number): Float32Array[] | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const h = bytes.readUInt32LE(8);
  if (12 + h > bytes.length || h % 4 !== 0) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + h)) as Header;
  } catch {
    return undefined;
  }
  const { rows, codebook: k } = header;
  if (!Array.isArray(header.sources) || !Array.isArray(rows) || rows.length !== sources.length || !Number.isInteger(k) || k < 1 || k > 256) return undefined;
  if (rows.some((r) => !Number.isInteger(r) || r < 0)) return undefined;
  if (header.sources.length !== sources.length || header.sources.some((s, i) => s.size !== sources[i]!.size || s.mtimeMs !== sources[i]!.mtimeMs)) return undefined;
  const total = rows.reduce((a, r) => a + r * dim, 0);
  const body = bytes.subarray(12 + h);
  if (body.length !== 4 * k + total || sha256(body) !== header.sha256) return undefined;
  const codebook = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + 4 * k));
  const codes = body.subarray(4 * k);
  let off = 0;
  return rows.map((r) => {
    const out = new Float32Array(r * dim);
    for (let i = 0; i < out.length; i++) out[i] = codebook[codes[off + i]!]!;
    off += out.length;
    return out;
  });
}

/**
 * Writes `perDigit` (`dim` values per row) as a cache file at `path` (creating its directory), atomically. Best
 * effort: returns false without writing when the values have more than 256 distinct float32s
 * or the location is not writable.
 */
export function writeDigitsCache(path: string, sources: readonly SourceStamp[], perDigit: readonly Float32Array[], dim: number): boolean {
  const index = new Map<number, number>();
  const total = perDigit.reduce((a, v) => a + v.length, 0);
  const codes = new Uint8Array(total);
  let off = 0;
  for (const values of perDigit) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      let c = index.get(v);
      if (c === undefined) {
        if (index.size === 256) return false;
        c = index.size;
        index.set(v, c);
      }
      codes[off + i] = c;
    }
    off += values.length;
  }
  const codebook = Float32Array.from(index.keys());
  const body = new Uint8Array(codebook.byteLength + total);
  body.set(new Uint8Array(codebook.buffer), 0);
  body.set(codes, codebook.byteLength);
  const header: Header = { sources: sources.map((s) => ({ size: s.size, mtimeMs: s.mtimeMs })), rows: perDigit.map((v) => v.length / dim), codebook: codebook.length, sha256: sha256(body) };
  let json = JSON.stringify(header);
  json += ' '.repeat((4 - (Buffer.byteLength(json) % 4)) % 4);
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(Buffer.byteLength(json), 8);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, Buffer.concat([head, Buffer.from(json, 'utf8'), body]));
    return true;
  } catch {
    return false;
  }
}
