import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsvSync, CsvError } from 'csv-parse/sync';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';
import { dataFileError } from './io.js';
import { type FastCell, MAX_LABEL, NUMBER_RE, fastDecimal, featureValue, labelValue, unquote } from './csv-cells.js';

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
  /** Bytes read per chunk (default 4 MiB); a record longer than a chunk grows it. Only tests need to change it. */
  readonly chunkBytes?: number;
}

const SNIFF_CANDIDATES = [',', '\t', ';', '|'];
const WHITESPACE = /[ \t]+/;
/** Bytes read per chunk; records are cut at the last line end (outside quotes) of each chunk. */
const CHUNK_BYTES = 1 << 22;
/** A cell longer than this (1 MiB) is reported as not a number without being decoded. */
const MAX_CELL_BYTES = 1 << 20;
/** Lines up to this length (16 MiB) are decoded to text to count their cells for a message. */
const MAX_LINE_TEXT_BYTES = 1 << 24;
/** csv-parse's `max_record_size`: a quoted record longer than this many characters (256 Mi) is an error, not a string too long for V8. */
const MAX_QUOTED_RECORD_CHARS = 1 << 28;

const NL = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/** How fields are separated: one delimiter character, or runs of spaces/tabs (quotes not parsed). */
type Separator = { readonly kind: 'char'; readonly char: string; readonly byte: number } | { readonly kind: 'whitespace' };

/**
 * Load a numeric CSV/TSV file as a {@link Dataset}: one row per record, sampleShape `[d]` where
 * d = number of columns minus the label column, float32 values used as-is (no scaling). Blank
 * lines are skipped; a UTF-8 BOM and CRLF line ends are accepted. Quoted fields follow RFC 4180
 * (a quoted field may hold the delimiter, `""` and line breaks), parsed by `csv-parse`.
 *
 * The file is streamed in 4 MB chunks into one preallocated Float32Array (sized by a first pass
 * that counts line ends), so memory stays near the size of the float32 data. A chunk without
 * any `"` is tokenised by a byte-level reader (the same cells and messages; csv-parse parses
 * ~4M cells/s, too slow for 100k × 784 files); chunks with quotes go through csv-parse.
 * Whitespace-separated files are read by the byte-level reader, which only unwraps a cell
 * wholly in quotes.
 *
 * Throws {@link DataError} with `path:line:column` (1-based) for an empty, non-numeric, NaN,
 * Infinity or float32-overflowing cell, with `path:line` for a row with the wrong number of
 * columns or a malformed quote, and for a missing file, unknown label column, or no data rows.
 * Labels must be non-negative integers; numClasses = max label + 1.
 */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw dataFileError(path, err);
  }
  try {
    return new CsvReader(path, fd, opts).read();
  } finally {
    closeSync(fd);
  }
}

/** One pass over one file: the header, then every record into a preallocated buffer. */
class CsvReader {
  private buf: Buffer;
  /** Bytes of `buf` holding unprocessed data. */
  private len = 0;
  /** File position of the next read. */
  private pos = 0;
  private eof = false;
  /** 1-based line number of `buf[0]`. */
  private line = 1;

  private sep: Separator = { kind: 'whitespace' };
  private ncols = 0;
  private labelCol: number | undefined;
  private d = 0;
  private x = new Float32Array(0);
  private labels: Int32Array | undefined;
  private n = 0;
  private maxLabel = -1;
  private readonly fast: FastCell = { value: 0, end: 0, integer: false };
  /** Appended to the message of a bad cell in the first data row (which may be a mistaken header). */
  private firstRowHint = '';

  constructor(
    private readonly path: string,
    private readonly fd: number,
    private readonly opts: CsvOptions,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(16, opts.chunkBytes ?? CHUNK_BYTES));
  }

  read(): Dataset {
    const { path } = this;
    this.fill();
    if (this.len >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.consume(3, false);
    // The first non-blank record (a quoted header cell may span lines) decides the delimiter and the header.
    let firstEnd: number;
    for (;;) {
      firstEnd = this.lineEnd();
      if (firstEnd < 0) {
        if (this.eof) {
          firstEnd = this.len;
          break;
        }
        if (this.len >= 1 << 26) throw new DataError(`${path}: the first record has no end within 64 MB (an unclosed quote?)`);
        this.more();
        continue;
      }
      if (!isBlank(this.buf, 0, trimCr(this.buf, 0, firstEnd))) break;
      this.consume(firstEnd + 1, true);
    }
    const firstLine = this.buf.toString('utf8', 0, trimCr(this.buf, 0, firstEnd));
    if (firstLine.trim() === '') throw new DataError(`no data rows in ${path} (file is empty)`);

    this.sep = separator(path, firstLine, this.opts.delimiter);
    const firstCells = this.splitLine(firstLine).map(unquote);
    this.ncols = firstCells.length;
    const headerMode = this.opts.header ?? 'auto';
    const hasHeader = headerMode === 'auto' ? firstCells.every((c) => !NUMBER_RE.test(c)) : headerMode;
    this.labelCol = resolveLabelColumn(path, this.opts.labelColumn, hasHeader ? firstCells : undefined, this.ncols);
    this.d = this.ncols - (this.labelCol === undefined ? 0 : 1);
    if (this.d < 1) throw new DataError(`${path}: no feature columns (only a label column)`);
    this.firstRowHint = !hasHeader && headerMode === 'auto' ? ' (a header row must be entirely non-numeric, or pass header: true)' : '';
    if (hasHeader) this.consume(Math.min(firstEnd + 1, this.len), true);

    const capacity = this.countLines();
    this.x = new Float32Array(capacity * this.d);
    if (this.labelCol !== undefined) this.labels = new Int32Array(capacity);

    for (;;) {
      const cut = this.eof ? this.len : this.recordCut();
      if (cut > 0) {
        this.records(cut);
        this.consume(cut, true);
      }
      if (this.eof && this.len === 0) break;
      this.more();
    }
    if (this.n === 0) throw new DataError(`no data rows in ${path}${hasHeader ? ' (only a header line)' : ''}`);

    const x = this.x.length === this.n * this.d ? this.x : this.x.slice(0, this.n * this.d);
    const base = { name: path, n: this.n, sampleShape: [this.d], x };
    if (this.labels === undefined) return base;
    const labels = this.labels.length === this.n ? this.labels : this.labels.slice(0, this.n);
    return { ...base, labels, numClasses: this.maxLabel + 1 };
  }

  // ------------------------------------------------------------ buffer

  /** Reads more of the file into `buf[len..)`. */
  private fill(): void {
    while (!this.eof && this.len < this.buf.length) {
      const got = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, this.pos);
      if (got === 0) this.eof = true;
      this.len += got;
      this.pos += got;
    }
  }

  /** Reads on, doubling the buffer first when it is full (a record longer than it). */
  private more(): void {
    if (this.len < this.buf.length) {
      this.fill();
      return;
    }
    const bigger = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
    this.fill();
  }

  /** Drops `buf[0..k)`, counting its line ends when `countLines`. */
  private consume(k: number, countLines: boolean): void {
    if (countLines) this.line += countByte(this.buf, NL, 0, k);
    this.buf.copyWithin(0, k, this.len);
    this.len -= k;
  }

  /** The line end that ends the first record in the buffer (outside double quotes), or -1 if not read yet. */
  private lineEnd(): number {
    const { buf, len } = this;
    let inQuote = false;
    for (let i = 0; i < len; i++) {
      const b = buf[i];
      if (b === QUOTE) inQuote = !inQuote;
      else if (b === NL && !inQuote) return i;
    }
    return -1;
  }

  /** Line ends from the current position to the end of the file (plus one for a last unterminated line). */
  private countLines(): number {
    let count = countByte(this.buf, NL, 0, this.len);
    let last = this.len > 0 ? this.buf[this.len - 1] : NL;
    if (!this.eof) {
      const scratch = Buffer.allocUnsafe(this.buf.length);
      let pos = this.pos;
      for (;;) {
        const got = readSync(this.fd, scratch, 0, scratch.length, pos);
        if (got === 0) break;
        count += countByte(scratch, NL, 0, got);
        last = scratch[got - 1];
        pos += got;
      }
    }
    return count + (last === NL ? 0 : 1);
  }

  /**
   * End of the last complete record in `buf[0..len)`: after the last line end that is outside
   * quotes (quotes are only tracked for a delimited file whose buffer holds a `"`). 0 if none.
   */
  private recordCut(): number {
    const { buf, len } = this;
    const quoted = this.sep.kind === 'char' && hasByte(buf, QUOTE, 0, len);
    if (!quoted) {
      const i = buf.lastIndexOf(NL, len - 1);
      return i < 0 ? 0 : i + 1;
    }
    let inQuote = false;
    let cut = 0;
    for (let i = 0; i < len; i++) {
      const b = buf[i];
      if (b === QUOTE) inQuote = !inQuote;
      else if (b === NL && !inQuote) cut = i + 1;
    }
    return cut;
  }

  // ------------------------------------------------------------ records

  /**
   * Parses the complete records in `buf[0..end)`: runs of lines without a `"` by the byte-level
   * reader, runs of lines with quotes (and the lines a quoted field spans) by csv-parse.
   */
  private records(end: number): void {
    const { buf } = this;
    let line = this.line;
    if (this.sep.kind !== 'char') {
      this.fastRecords(0, end, line);
      return;
    }
    let start = 0;
    while (start < end) {
      const q = buf.indexOf(QUOTE, start);
      if (q < 0 || q >= end) {
        this.fastRecords(start, end, line);
        return;
      }
      const lineStart = q === start ? start : Math.max(start, buf.lastIndexOf(NL, q - 1) + 1);
      if (lineStart > start) line = this.fastRecords(start, lineStart, line);
      // The quoted run ends at a line end outside quotes whose next line has no quote.
      let runEnd = end;
      let inQuote = false;
      for (let i = lineStart; i < end; i++) {
        const b = buf[i];
        if (b === QUOTE) inQuote = !inQuote;
        else if (b === NL && !inQuote) {
          let nextEnd = buf.indexOf(NL, i + 1);
          if (nextEnd < 0 || nextEnd > end) nextEnd = end;
          if (!hasByte(buf, QUOTE, i + 1, nextEnd)) {
            runEnd = i + 1;
            break;
          }
        }
      }
      line = this.csvParseRecords(lineStart, runEnd, line);
      start = runEnd;
    }
  }

  /** Room for one more row (the line count is an upper bound, so this only triggers on a miscount). */
  private ensureRow(): void {
    if ((this.n + 1) * this.d <= this.x.length) return;
    const grown = new Float32Array(Math.max(this.d, this.x.length * 2));
    grown.set(this.x);
    this.x = grown;
    if (this.labels) {
      const l = new Int32Array(grown.length / this.d);
      l.set(this.labels);
      this.labels = l;
    }
  }

  private addLabel(v: number): void {
    this.labels![this.n] = v;
    if (v > this.maxLabel) this.maxLabel = v;
  }

  /** Byte-level records of `buf[from..to)`, whose first line is `line`: one per non-blank line. Returns the line after them. */
  private fastRecords(from: number, to: number, line: number): number {
    const { buf } = this;
    let start = from;
    while (start < to) {
      let nl = buf.indexOf(NL, start);
      if (nl < 0 || nl >= to) nl = to;
      const stop = trimCr(buf, start, nl);
      if (!isBlank(buf, start, stop)) this.fastRow(start, stop, line, this.n === 0 ? this.firstRowHint : '');
      line++;
      start = nl + 1;
    }
    return line;
  }

  /** One record of `buf[start..stop)` (line `line`) into row `n`. */
  private fastRow(start: number, stop: number, line: number, hint: string): void {
    this.ensureRow();
    const { buf, ncols, labelCol, fast, x } = this;
    const white = this.sep.kind === 'whitespace';
    const delim = this.sep.kind === 'char' ? this.sep.byte : -1;
    let k = this.n * this.d;
    let p = start;
    let c = 0;
    if (white) p = skipBlanks(buf, p, stop);
    for (;;) {
      if (c >= ncols) this.ragged(start, stop, line, c + 1);
      // Read the cell fast if it is a short plain decimal followed by the separator; else find its end and read it exactly.
      let ok: boolean;
      let cellEnd: number;
      if (white) {
        cellEnd = nextBlank(buf, p, stop);
        ok = fastDecimal(buf, p, cellEnd, fast) && fast.end === cellEnd;
      } else {
        ok = fastDecimal(buf, p, stop, fast) && (fast.end === stop || buf[fast.end] === delim);
        cellEnd = ok ? fast.end : nextByte(buf, delim, p, stop);
      }
      if (c === labelCol) {
        const v = ok && fast.integer && fast.value <= MAX_LABEL ? fast.value : this.slowCell(start, stop, line, p, cellEnd, c, true, hint);
        this.addLabel(v);
      } else {
        x[k++] = ok ? fast.value : this.slowCell(start, stop, line, p, cellEnd, c, false, hint);
      }
      c++;
      if (white) {
        p = skipBlanks(buf, cellEnd, stop);
        if (p >= stop) break;
      } else {
        if (cellEnd >= stop) break;
        p = cellEnd + 1;
      }
    }
    if (c !== ncols) this.ragged(start, stop, line, c);
    this.n++;
  }

  /** The exact value of a cell the fast reader declined (or its error; a ragged row is reported first). */
  private slowCell(start: number, stop: number, line: number, p: number, cellEnd: number, c: number, label: boolean, hint: string): number {
    const where = `${this.path}:${line}:${c + 1}`;
    try {
      if (cellEnd - p > MAX_CELL_BYTES) throw new DataError(`${where}: a cell of ${cellEnd - p} bytes is not a number`);
      const cell = unquote(this.buf.toString('utf8', p, cellEnd));
      return label ? labelValue(cell, where) : featureValue(cell, where, hint);
    } catch (err) {
      if (this.cellCount(start, stop) !== this.ncols) this.ragged(start, stop, line, c);
      throw err;
    }
  }

  /** The ragged-row error for `buf[start..stop)`; `counted` is used if splitting the line finds `ncols` cells after all. */
  private ragged(start: number, stop: number, line: number, counted: number): never {
    const split = this.cellCount(start, stop);
    const found = split !== this.ncols ? split : counted;
    throw new DataError(`${this.path}:${line}: expected ${this.ncols} columns, found ${found}`);
  }

  /**
   * Cells of the line `buf[start..stop)`, for an error message. A line longer than
   * {@link MAX_LINE_TEXT_BYTES} is not made a string (a string is capped near 512 MiB): its
   * delimiters are counted as bytes, quotes ignored.
   */
  private cellCount(start: number, stop: number): number {
    if (stop - start <= MAX_LINE_TEXT_BYTES) return this.splitLine(this.buf.toString('utf8', start, stop)).length;
    if (this.sep.kind === 'char') {
      const { buf } = this;
      const delim = this.sep.byte;
      let count = 1;
      for (let i = start; i < stop; i++) if (buf[i] === delim) count++;
      return count;
    }
    let count = 0;
    for (let p = skipBlanks(this.buf, start, stop); p < stop; p = skipBlanks(this.buf, nextBlank(this.buf, p, stop), stop)) count++;
    return count;
  }

  /** Records of `buf[from..to)` (first line `line`) with quoted fields, through csv-parse. Returns the line after them. */
  private csvParseRecords(from: number, to: number, line: number): number {
    const sep = this.sep as Extract<Separator, { kind: 'char' }>;
    const offset = line - 1;
    try {
      parseCsvSync(this.buf.subarray(from, to), {
        delimiter: sep.char,
        record_delimiter: ['\r\n', '\n'],
        trim: true,
        relax_column_count: true,
        skip_empty_lines: true,
        max_record_size: MAX_QUOTED_RECORD_CHARS,
        on_record: (record: string[], info: { lines: number }) => {
          if (record.length === 1 && record[0] === '' && this.ncols > 1) return null;
          this.parsedRow(record, offset + info.lines, this.n === 0 ? this.firstRowHint : '');
          return null;
        },
      });
    } catch (err) {
      if (err instanceof CsvError) {
        const at = offset + Number((err as CsvError & { lines?: number }).lines ?? 1);
        throw new DataError(`${this.path}:${at}: ${err.message.replace(/ at line \d+/, '').replace(/\s+/g, ' ')}`);
      }
      throw err;
    }
    return line + countByte(this.buf, NL, from, to);
  }

  private parsedRow(record: readonly string[], line: number, hint: string): void {
    if (record.length !== this.ncols) throw new DataError(`${this.path}:${line}: expected ${this.ncols} columns, found ${record.length}`);
    this.ensureRow();
    let k = this.n * this.d;
    for (let c = 0; c < record.length; c++) {
      const where = `${this.path}:${line}:${c + 1}`;
      const cell = record[c]!.trim();
      if (c === this.labelCol) this.addLabel(labelValue(cell, where));
      else this.x[k++] = featureValue(cell, where, hint);
    }
    this.n++;
  }

  /** Cells of one line of text (the first line, or a line being reported). */
  private splitLine(line: string): string[] {
    if (this.sep.kind === 'whitespace') {
      const t = line.trim();
      return t === '' ? [] : t.split(WHITESPACE);
    }
    if (!line.includes('"')) return line.split(this.sep.char);
    try {
      const rows = parseCsvSync(line, { delimiter: this.sep.char, trim: true, relax_column_count: true, relax_quotes: true }) as string[][];
      return rows[0] ?? [''];
    } catch {
      return line.split(this.sep.char);
    }
  }
}

function separator(path: string, firstLine: string, delimiter: string | undefined): Separator {
  const char = (ch: string): Separator => ({ kind: 'char', char: ch, byte: ch.charCodeAt(0) });
  if (delimiter !== undefined) {
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new DataError(`${path}: delimiter must be one ASCII character other than a quote or line break (got ${JSON.stringify(delimiter)})`);
    }
    return char(delimiter);
  }
  const ext = extname(path).toLowerCase();
  const preferred = ext === '.tsv' || ext === '.tab' ? '\t' : ext === '.csv' ? ',' : undefined;
  if (preferred !== undefined && firstLine.includes(preferred)) return char(preferred);
  let best: string | undefined;
  let bestCount = 0;
  for (const cand of SNIFF_CANDIDATES) {
    const count = firstLine.split(cand).length - 1;
    if (count > bestCount) {
      best = cand;
      bestCount = count;
    }
  }
  if (best !== undefined) return char(best);
  if (WHITESPACE.test(firstLine.trim())) return { kind: 'whitespace' };
  return char(preferred ?? ','); // a single column
}

function resolveLabelColumn(path: string, spec: string | number | null | undefined, header: string[] | undefined, ncols: number): number | undefined {
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

// ------------------------------------------------------------ byte helpers

function countByte(buf: Uint8Array, byte: number, from: number, to: number): number {
  let count = 0;
  let i = from;
  for (;;) {
    const j = (buf as Buffer).indexOf(byte, i);
    if (j < 0 || j >= to) return count;
    count++;
    i = j + 1;
  }
}

function hasByte(buf: Buffer, byte: number, from: number, to: number): boolean {
  const j = buf.indexOf(byte, from);
  return j >= 0 && j < to;
}

function nextByte(buf: Buffer, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (buf[i] === byte) return i;
  return to;
}

function nextBlank(buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (buf[i] === SPACE || buf[i] === TAB) return i;
  return to;
}

function skipBlanks(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === SPACE || buf[i] === TAB)) i++;
  return i;
}

function isBlank(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if (b !== SPACE && b !== TAB && b !== CR) return false;
  }
  return true;
}

/** `to`, or `to - 1` when the line ends in `\r` (CRLF). */
function trimCr(buf: Uint8Array, from: number, to: number): number {
  return to > from && buf[to - 1] === CR ? to - 1 : to;
}
