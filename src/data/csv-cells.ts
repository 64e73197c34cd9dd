/**
 * Cells of a numeric CSV: the checks and messages shared by the byte-level fast path and the
 * csv-parse path of {@link loadCsv}, and a fast decimal reader that gives the same float32 as
 * `Math.fround(Number(text))`.
 */
import { DataError } from './errors.js';

/** A plain decimal number: digits with an optional point, sign and exponent (no hex, no `Infinity`). */
export const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A class label: a non-negative integer (optional `+`). */
const LABEL_RE = /^\+?\d+$/;

/** Largest label accepted (labels are stored as Int32). */
export const MAX_LABEL = 0x7fffffff;

/** Exact powers of ten 10^0 .. 10^22 (every one is a double exactly). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Byte codes. */
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const SPACE = 32;
const TAB = 9;

/** Result slot of {@link fastDecimal}: the value and the byte where the cell's text ended. */
export interface FastCell {
  value: number;
  /** Position after the last consumed byte (digits and trailing blanks). */
  end: number;
  /** The cell had no sign other than `+`, no point: a candidate label. */
  integer: boolean;
}

/**
 * Reads `[+-]digits[.digits]` at `buf[p..)` (after optional spaces/tabs) when it has at most 15
 * digits, then skips trailing spaces/tabs. Returns false (leaving `out` unspecified) when the
 * text is anything else (an exponent, more digits, a quote, letters, an empty cell), so the
 * caller takes the exact slow path.
 *
 * Exactness: with m < 10^15 < 2^53 and k ≤ 15, m and 10^k are exact doubles, so `m / 10^k` is
 * one correctly rounded operation, the same double `Number(text)` gives (Clinger's fast path);
 * rounding that double to float32 then matches `Math.fround(Number(text))`.
 */
export function fastDecimal(buf: Uint8Array, p: number, end: number, out: FastCell): boolean {
  while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
  let neg = false;
  let integer = true;
  let b = buf[p];
  if (b === MINUS || b === PLUS) {
    neg = b === MINUS;
    if (neg) integer = false;
    p++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  while (p < end && (b = buf[p]!) >= ZERO && b <= NINE) {
    m = m * 10 + (b - ZERO);
    if (++digits > 15) return false;
    p++;
  }
  if (p < end && buf[p] === DOT) {
    integer = false;
    p++;
    while (p < end && (b = buf[p]!) >= ZERO && b <= NINE) {
      m = m * 10 + (b - ZERO);
      if (++digits > 15) return false;
      frac++;
      p++;
    }
  }
  if (digits === 0) return false;
  while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
  const v = frac === 0 ? m : m / POW10[frac]!;
  out.value = neg ? -v : v;
  out.end = p;
  out.integer = integer;
  return true;
}

/** A cell as text: trimmed, and unwrapped if it is wrapped in double quotes (`""` → `"`). */
export function unquote(cell: string): string {
  const t = cell.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/""/g, '"').trim();
  return t;
}

/** A cell for a message: JSON-quoted, cut at 24 characters. */
export function show(cell: string): string {
  return JSON.stringify(cell.length > 24 ? cell.slice(0, 24) + '…' : cell);
}

/**
 * The float32 value of a feature cell (already unquoted), or a {@link DataError} at `where`
 * (`path:line:column`) for an empty, non-numeric, NaN, Infinity or float32-overflowing cell.
 * `hint` is appended to the non-numeric message.
 */
export function featureValue(cell: string, where: string, hint = ''): number {
  if (!NUMBER_RE.test(cell)) {
    const what = cell === '' ? 'empty cell' : `cell ${show(cell)} is not a finite number`;
    throw new DataError(`${where}: ${what}${hint}`);
  }
  const v = Math.fround(Number(cell));
  if (!Number.isFinite(v)) throw new DataError(`${where}: value ${show(cell)} overflows float32`);
  return v;
}

/** The class id of a label cell (already unquoted), or a {@link DataError} at `where`. */
export function labelValue(cell: string, where: string): number {
  const v = Number(cell);
  if (!LABEL_RE.test(cell) || v > MAX_LABEL) throw new DataError(`${where}: label ${show(cell)} is not a non-negative integer`);
  return v;
}
