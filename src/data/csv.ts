import { extname } from 'node:path';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';
import { readDataFile } from './io.js';

/** Options for {@link loadCsv}. */
export interface CsvOptions {
  /**
   * Field delimiter. Default: `\t` for `.tsv`/`.tab`, `,` for `.csv`; otherwise (or when the
   * default does not occur in the first non-blank line) sniffed from `, \t ; |`, falling back to
   * runs of spaces/tabs.
   */
  readonly delimiter?: string;
  /**
   * Whether the first non-blank line is a header. Default `'auto'`: it is a header iff none of
   * its cells parses as a number.
   */
  readonly header?: boolean | 'auto';
  /**
   * Column holding integer class labels (excluded from the features): a header name, or a
   * 0-based column index. Default (`undefined`): a header column named `label`
   * (case-insensitive) if there is one. `null`: no label column.
   */
  readonly labelColumn?: string | number | null;
}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SNIFF_CANDIDATES = [',', '\t', ';', '|'];
const WHITESPACE = /[ \t]+/;

/**
 * Load a numeric CSV/TSV file as a {@link Dataset}: one row per non-blank line, sampleShape
 * `[d]` where d = number of columns minus the label column, float32 values used as-is (no
 * scaling). Blank lines are skipped; a UTF-8 BOM and CRLF line ends are accepted; a cell wrapped
 * in double quotes is unwrapped (quoted delimiters are not supported).
 *
 * Throws {@link DataError} with `path:line:column` (1-based) for an empty, non-numeric, NaN,
 * Infinity or float32-overflowing cell, with `path:line` for a row with the wrong number of
 * columns, and for a missing file, unknown label column, or no data rows. Labels must be
 * non-negative integers; numClasses = max label + 1.
 */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  let text = Buffer.from(readDataFile(path)).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');

  let first = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '') {
      first = i;
      break;
    }
  }
  if (first < 0) throw new DataError(`no data rows in ${path} (file is empty)`);

  const split = makeSplitter(path, lines[first]!.replace(/\r$/, ''), opts.delimiter);
  const firstCells = split(lines[first]!.replace(/\r$/, '')).map(unquote);
  const ncols = firstCells.length;
  const headerMode = opts.header ?? 'auto';
  const hasHeader = headerMode === 'auto' ? firstCells.every((c) => !NUMBER_RE.test(c)) : headerMode;
  const header = hasHeader ? firstCells : undefined;

  const labelCol = resolveLabelColumn(path, opts.labelColumn, header, ncols);
  const d = ncols - (labelCol === undefined ? 0 : 1);
  if (d < 1) throw new DataError(`${path}: no feature columns (only a label column)`);

  const x = new Float32Array((lines.length - first) * d);
  const labels: number[] = [];
  let n = 0;
  let maxLabel = -1;
  for (let li = hasHeader ? first + 1 : first; li < lines.length; li++) {
    const line = lines[li]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const lineNo = li + 1;
    const cells = split(line);
    if (cells.length !== ncols) {
      throw new DataError(`${path}:${lineNo}: expected ${ncols} columns, found ${cells.length}`);
    }
    let k = n * d;
    for (let c = 0; c < ncols; c++) {
      const cell = unquote(cells[c]!);
      const where = `${path}:${lineNo}:${c + 1}`;
      if (c === labelCol) {
        const v = Number(cell);
        if (!/^\+?\d+$/.test(cell) || v > 0x7fffffff) {
          throw new DataError(`${where}: label ${show(cell)} is not a non-negative integer`);
        }
        labels.push(v);
        if (v > maxLabel) maxLabel = v;
        continue;
      }
      if (!NUMBER_RE.test(cell)) {
        const what = cell === '' ? 'empty cell' : `cell ${show(cell)} is not a finite number`;
        const hint =
          li === first && headerMode === 'auto' ? ' (a header row must be entirely non-numeric, or pass header: true)' : '';
        throw new DataError(`${where}: ${what}${hint}`);
      }
      const v = Math.fround(Number(cell));
      if (!Number.isFinite(v)) throw new DataError(`${where}: value ${show(cell)} overflows float32`);
      x[k++] = v;
    }
    n++;
  }
  if (n === 0) throw new DataError(`no data rows in ${path}${hasHeader ? ' (only a header line)' : ''}`);

  const base = { name: path, n, sampleShape: [d], x: x.slice(0, n * d) };
  if (labelCol === undefined) return base;
  return { ...base, labels: Int32Array.from(labels), numClasses: maxLabel + 1 };
}

function makeSplitter(path: string, firstLine: string, delimiter: string | undefined): (line: string) => string[] {
  if (delimiter !== undefined) {
    if (delimiter.length === 0) throw new DataError(`${path}: empty delimiter`);
    return (line) => line.split(delimiter);
  }
  const ext = extname(path).toLowerCase();
  const preferred = ext === '.tsv' || ext === '.tab' ? '\t' : ext === '.csv' ? ',' : undefined;
  if (preferred !== undefined && firstLine.includes(preferred)) return (line) => line.split(preferred);
  let best: string | undefined;
  let bestCount = 0;
  for (const cand of SNIFF_CANDIDATES) {
    const count = firstLine.split(cand).length - 1;
    if (count > bestCount) {
      best = cand;
      bestCount = count;
    }
  }
  if (best !== undefined) {
    const delim = best;
    return (line) => line.split(delim);
  }
  if (WHITESPACE.test(firstLine.trim())) return (line) => line.trim().split(WHITESPACE);
  return (line) => [line]; // single column
}

function resolveLabelColumn(
  path: string,
  spec: string | number | null | undefined,
  header: string[] | undefined,
  ncols: number,
): number | undefined {
  if (spec === null) return undefined;
  if (spec === undefined) {
    const i = header?.findIndex((h) => h.toLowerCase() === 'label') ?? -1;
    return i >= 0 ? i : undefined;
  }
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0 || spec >= ncols) {
      throw new DataError(`${path}: labelColumn ${spec} is out of range for ${ncols} columns (0-based)`);
    }
    return spec;
  }
  if (header === undefined) throw new DataError(`${path}: labelColumn '${spec}' given but the file has no header row`);
  let i = header.indexOf(spec);
  if (i < 0) i = header.findIndex((h) => h.toLowerCase() === spec.toLowerCase());
  if (i < 0) {
    const cols = header.slice(0, 8).join(', ') + (header.length > 8 ? ', ...' : '');
    throw new DataError(`${path}: no column named '${spec}' (columns: ${cols})`);
  }
  return i;
}

function unquote(cell: string): string {
  const t = cell.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/""/g, '"').trim();
  return t;
}

function show(cell: string): string {
  return JSON.stringify(cell.length > 24 ? cell.slice(0, 24) + '…' : cell);
}
