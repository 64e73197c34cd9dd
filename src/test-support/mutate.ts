/**
 * Seeded mutations of valid files, for fuzzing the loaders (test-only). One case = 1 to 3 steps,
 * each drawn from:
 * - `flip`: flip one bit anywhere;
 * - `byte`: set one byte to a random or boundary value (0x00, 0x01, 0x7f, 0x80, 0xff) or a token byte;
 * - `truncate`: cut the file at a random length (0 included);
 * - `header`: in the first `headerBytes` bytes, write a boundary integer (0, 1, 2^31, 2^32 − 1, the
 *   old value ± 1 or × 2^k) as a u8, u16 or u32 in either byte order, or a format-aware edit
 *   ({@link MutationPlan.structured}, e.g. a PNG IHDR change with its CRC fixed);
 * - `duplicate`: copy a byte range (up to 64 bytes or a quarter of the file) to a random position;
 * - `insert`: insert random bytes or one of the plan's tokens (e.g. `"`, `\n`, `NaN` for CSV);
 * - `delete`: remove a byte range.
 * The same (input, seed, plan) always gives the same mutant: every draw comes from one {@link Rng}.
 */
import { Rng } from '../nn/rng.js';

/** A format-aware edit: returns a new byte string (the input must not be modified). */
export type StructuredEdit = (bytes: Uint8Array, rng: Rng) => Uint8Array;

/** What {@link mutate} may do to one format. */
export interface MutationPlan {
  /** Length of the file's header (binary headers: where `header` steps write integers). */
  readonly headerBytes: number;
  /** Byte strings worth inserting (text formats: delimiters, quotes, line ends, special numbers). */
  readonly tokens?: readonly Uint8Array[];
  /** Format-aware header edits, chosen instead of a raw integer write half of the time. */
  readonly structured?: readonly { readonly name: string; readonly edit: StructuredEdit }[];
}

/** A mutated file and the steps that made it (for reporting a failing case). */
export interface Mutant {
  readonly bytes: Uint8Array;
  readonly steps: readonly string[];
}

const KINDS = ['flip', 'byte', 'truncate', 'header', 'duplicate', 'insert', 'delete'] as const;
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff];

/** Applies 1–3 seeded mutation steps to a copy of `input` (see the module comment). */
export function mutate(input: Uint8Array, rng: Rng, plan: MutationPlan): Mutant {
  let bytes: Uint8Array = Uint8Array.from(input);
  const steps: string[] = [];
  const count = 1 + rng.int(3);
  for (let s = 0; s < count; s++) {
    const kind = KINDS[rng.int(KINDS.length)]!;
    const r = step(kind, bytes, rng, plan);
    bytes = r.bytes;
    steps.push(r.step);
  }
  return { bytes, steps };
}

/**
 * One of the plan's format-aware edits (see {@link MutationPlan.structured}), applied to a copy of
 * `input`: a fuzz spends some cases on these alone, since they are what gets past checksums and
 * length checks to the decoder's handling of the header's values.
 */
export function mutateStructured(input: Uint8Array, rng: Rng, plan: MutationPlan): Mutant {
  const structured = plan.structured ?? [];
  if (structured.length === 0) return mutate(input, rng, plan);
  const s = structured[rng.int(structured.length)]!;
  return { bytes: s.edit(Uint8Array.from(input), rng), steps: [`header: ${s.name}`] };
}

function step(kind: (typeof KINDS)[number], bytes: Uint8Array, rng: Rng, plan: MutationPlan): { bytes: Uint8Array; step: string } {
  const n = bytes.length;
  switch (kind) {
    case 'flip': {
      if (n === 0) return { bytes, step: 'flip (empty)' };
      const at = rng.int(n);
      const bit = rng.int(8);
      bytes[at] = bytes[at]! ^ (1 << bit);
      return { bytes, step: `flip bit ${bit} of byte ${at}` };
    }
    case 'byte': {
      if (n === 0) return { bytes, step: 'byte (empty)' };
      const at = rng.int(n);
      const v = pickByte(rng, plan);
      bytes[at] = v;
      return { bytes, step: `byte ${at} = 0x${v.toString(16)}` };
    }
    case 'truncate': {
      const len = rng.int(n + 1);
      return { bytes: bytes.slice(0, len), step: `truncate to ${len}` };
    }
    case 'header': {
      const structured = plan.structured ?? [];
      if (structured.length > 0 && rng.uniform() < 0.5) {
        const s = structured[rng.int(structured.length)]!;
        return { bytes: s.edit(bytes, rng), step: `header: ${s.name}` };
      }
      return headerInteger(bytes, rng, Math.min(n, plan.headerBytes));
    }
    case 'duplicate': {
      if (n === 0) return { bytes, step: 'duplicate (empty)' };
      const from = rng.int(n);
      const len = 1 + rng.int(Math.max(1, Math.min(n - from, Math.max(64, n >> 2))));
      const to = rng.int(n + 1);
      const piece = bytes.slice(from, from + len);
      return { bytes: splice(bytes, to, 0, piece), step: `duplicate [${from}, ${from + piece.length}) at ${to}` };
    }
    case 'insert': {
      const to = rng.int(n + 1);
      const tokens = plan.tokens ?? [];
      const piece = tokens.length > 0 && rng.uniform() < 0.7 ? tokens[rng.int(tokens.length)]! : randomBytes(rng, 1 + rng.int(16));
      return { bytes: splice(bytes, to, 0, piece), step: `insert ${piece.length} bytes at ${to}` };
    }
    case 'delete': {
      if (n === 0) return { bytes, step: 'delete (empty)' };
      const from = rng.int(n);
      const len = 1 + rng.int(Math.min(n - from, 64));
      return { bytes: splice(bytes, from, len, new Uint8Array(0)), step: `delete [${from}, ${from + len})` };
    }
  }
}

function pickByte(rng: Rng, plan: MutationPlan): number {
  const r = rng.uniform();
  if (r < 0.4) return BOUNDARY_BYTES[rng.int(BOUNDARY_BYTES.length)]!;
  const tokens = plan.tokens ?? [];
  if (r < 0.7 && tokens.length > 0) {
    const t = tokens[rng.int(tokens.length)]!;
    if (t.length > 0) return t[rng.int(t.length)]!;
  }
  return rng.int(256);
}

/** Writes a boundary integer as u8/u16/u32 (either byte order) inside `bytes[0..limit)`. */
function headerInteger(bytes: Uint8Array, rng: Rng, limit: number): { bytes: Uint8Array; step: string } {
  const width = [1, 2, 4][rng.int(3)]!;
  if (limit < width) return { bytes, step: 'header (too short)' };
  const at = rng.int(limit - width + 1);
  const le = rng.uniform() < 0.5;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const old = width === 1 ? dv.getUint8(at) : width === 2 ? dv.getUint16(at, le) : dv.getUint32(at, le);
  const max = 2 ** (8 * width) - 1;
  const choices = [0, 1, max, 2 ** (8 * width - 1), old + 1, old - 1, old * 2 ** (1 + rng.int(8)), rng.int(max + 1)];
  const v = ((choices[rng.int(choices.length)]! % (max + 1)) + (max + 1)) % (max + 1);
  if (width === 1) dv.setUint8(at, v);
  else if (width === 2) dv.setUint16(at, v, le);
  else dv.setUint32(at, v, le);
  return { bytes, step: `header u${8 * width}${width > 1 ? (le ? 'le' : 'be') : ''} at ${at} = ${v}` };
}

/** `bytes` with `remove` bytes at `at` replaced by `insert`. */
export function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309, as PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
