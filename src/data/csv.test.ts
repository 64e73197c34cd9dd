import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCsv, type CsvOptions } from './csv.js';
import { DataError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'latentkit-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function expectDataError(path: string, message: string | RegExp, opts?: CsvOptions): void {
  let caught: unknown;
  try {
    loadCsv(path, opts);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DataError);
  expect((caught as Error).message).toMatch(typeof message === 'string' ? new RegExp('^' + escape(message)) : message);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('loadCsv: accepted inputs', () => {
  it('reads a headerless numeric CSV as-is (no scaling), sampleShape [d], no labels', () => {
    const p = file('plain.csv', '1,2.5,-3\n4e2,0.125,1e-3\n');
    const ds = loadCsv(p);
    expect(ds.n).toBe(2);
    expect(ds.sampleShape).toEqual([3]);
    expect(Array.from(ds.x)).toEqual([1, 2.5, -3, 400, 0.125, Math.fround(1e-3)]);
    expect(ds.labels).toBeUndefined();
    expect(ds.name).toBe(p);
  });

  it('auto-detects an all-text header and uses a column named "label" as class ids', () => {
    const p = file('hdr.csv', 'x1,Label,x2\n0.5,3,1\n0.25,0,2\n');
    const ds = loadCsv(p);
    expect(ds.n).toBe(2);
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.x)).toEqual([0.5, 1, 0.25, 2]);
    expect(Array.from(ds.labels!)).toEqual([3, 0]);
    expect(ds.numClasses).toBe(4);
  });

  it('labelColumn by index, by name, or null to keep every column as a feature', () => {
    const p = file('lab.csv', 'a,b,label\n1,2,1\n3,4,0\n');
    expect(Array.from(loadCsv(p, { labelColumn: 0 }).labels!)).toEqual([1, 3]);
    expect(Array.from(loadCsv(p, { labelColumn: 'b' }).x)).toEqual([1, 1, 3, 0]);
    const all = loadCsv(p, { labelColumn: null });
    expect(all.sampleShape).toEqual([3]);
    expect(all.labels).toBeUndefined();
  });

  it('uses tab for .tsv, sniffs ";" in .csv and whitespace in .txt', () => {
    expect(Array.from(loadCsv(file('t.tsv', '1\t2\n3\t4\n')).x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(loadCsv(file('semi.csv', '1;2\n3;4\n')).x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(loadCsv(file('ws.txt', '1  2\n 3 4 \n')).x)).toEqual([1, 2, 3, 4]);
    expect(Array.from(loadCsv(file('forced.txt', '1:2\n3:4\n'), { delimiter: ':' }).x)).toEqual([1, 2, 3, 4]);
  });

  it('accepts a BOM, CRLF line ends, blank lines, surrounding spaces and quoted cells', () => {
    const p = file('messy.csv', '\ufeff"a", "b"\r\n\r\n 1 , "2"\r\n3,4\r\n\r\n');
    const ds = loadCsv(p);
    expect(ds.n).toBe(2);
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4]);
  });

  it('header: true forces a numeric first row to be a header', () => {
    const p = file('numhdr.csv', '0,1\n5,6\n');
    expect(loadCsv(p, { header: true }).n).toBe(1);
    expect(loadCsv(p).n).toBe(2);
  });
});

describe('loadCsv: rejected inputs name file:line:column', () => {
  it('NaN cell', () => {
    const p = file('nan.csv', 'a,b\n1,2\n3,NaN\n');
    expectDataError(p, `${p}:3:2: cell "NaN" is not a finite number`);
  });

  it('Infinity cell and float32 overflow', () => {
    expectDataError(file('inf.csv', '1,Infinity\n'), /inf\.csv:1:2: cell "Infinity" is not a finite number/);
    expectDataError(file('big.csv', '1,2\n1e39,0\n'), /big\.csv:2:1: value "1e39" overflows float32/);
  });

  it('empty cell', () => {
    const p = file('empty-cell.csv', '1,2,3\n4,,6\n');
    expectDataError(p, `${p}:2:2: empty cell`);
  });

  it('non-numeric cell (hex and thousands separators are not numbers either)', () => {
    expectDataError(file('text.csv', '1,2\n3,abc\n'), /text\.csv:2:2: cell "abc"/);
    expectDataError(file('hex.csv', '1,0x10\n'), /hex\.csv:1:2: cell "0x10"/);
  });

  it('a mixed first row is not silently taken as a header', () => {
    const p = file('mixed.csv', '1,x\n2,3\n');
    expectDataError(p, `${p}:1:2: cell "x" is not a finite number (a header row must be entirely non-numeric, or pass header: true)`);
  });

  it('ragged rows name the line (line numbers count blank lines)', () => {
    const p = file('ragged.csv', '1,2,3\n\n4,5\n');
    expectDataError(p, `${p}:3: expected 3 columns, found 2`);
    const q = file('ragged2.csv', 'a,b\n1,2,3\n');
    expectDataError(q, `${q}:2: expected 2 columns, found 3`);
  });

  it('bad labels', () => {
    const p = file('badlabel.csv', 'x,label\n1,-1\n');
    expectDataError(p, `${p}:2:2: label "-1" is not a non-negative integer`);
    const q = file('fraclabel.csv', 'x,label\n1,1.5\n');
    expectDataError(q, `${q}:2:2: label "1.5" is not a non-negative integer`);
  });

  it('unknown label column, label column without header, out-of-range index', () => {
    const p = file('cols.csv', 'a,b\n1,2\n');
    expectDataError(p, `${p}: no column named 'y' (columns: a, b)`, { labelColumn: 'y' });
    const q = file('nohdr.csv', '1,2\n');
    expectDataError(q, `${q}: labelColumn 'label' given but the file has no header row`, { labelColumn: 'label' });
    expectDataError(q, `${q}: labelColumn 2 is out of range for 2 columns (0-based)`, { labelColumn: 2 });
  });

  it('empty file, header-only file, missing file', () => {
    const e = file('empty.csv', '\n\n');
    expectDataError(e, `no data rows in ${e} (file is empty)`);
    const h = file('only-header.csv', 'a,b\n');
    expectDataError(h, `no data rows in ${h} (only a header line)`);
    expectDataError(join(dir, 'missing.csv'), `data file not found: ${join(dir, 'missing.csv')}`);
  });
});

describe('loadCsv: quoted fields (csv-parse) and large files', () => {
  it('quoted fields may hold the delimiter, doubled quotes and line breaks', () => {
    const p = file('quoted.csv', '"pixel, 1","pixel ""2""",label\n0.5,"0.25",3\n"1",2,"0"\n');
    const ds = loadCsv(p);
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.x)).toEqual([0.5, 0.25, 1, 2]);
    expect(Array.from(ds.labels!)).toEqual([3, 0]);
    const nl = file('quoted-nl.csv', '"multi\nline",b\n1,2\n3,4\n');
    expect(Array.from(loadCsv(nl).x)).toEqual([1, 2, 3, 4]);
  });

  it('errors in quoted files name file:line(:column), counting the lines of a multi-line header', () => {
    const p = file('q-bad.csv', '"a\nb",c\n1,2\n"3",x\n');
    expectDataError(p, `${p}:4:2: cell "x" is not a finite number`);
    const r = file('q-ragged.csv', '"a",b\n1,2\n"3"\n');
    expectDataError(r, `${r}:3: expected 2 columns, found 1`);
    const u = file('q-open.csv', 'a,b\n1,2\n3,"4\n');
    expectDataError(u, new RegExp(`^${escape(u)}:3: Quote Not Closed`));
  });

  it('every value equals Math.fround(Number(cell)), whichever reader takes it (fast decimals, exponents, long mantissas)', () => {
    const cells = ['0', '-0.5', '+.25', '1.', '0.1', '0.3333333333333333', '123456789012345678', '1e-7', '-2.5E3', '3.4028234e38', '0.000000000000000000001', '7', ' 0.7 '];
    const p = file('values.csv', cells.join(',') + '\n' + cells.map((c) => `"${c.trim()}"`).join(',') + '\n');
    const ds = loadCsv(p);
    const want = cells.map((c) => Math.fround(Number(c)));
    expect(Array.from(ds.x.subarray(0, cells.length))).toEqual(want); // unquoted row: byte-level reader
    expect(Array.from(ds.x.subarray(cells.length))).toEqual(want); // quoted row: csv-parse
  });

  it('chunked reading: many chunks, quotes in only some, records longer than a chunk; same values and line numbers', () => {
    const cols = 20;
    const value = (i: number, j: number): number => ((i * 31 + j * 17) % 1000) / 1000;
    const rows: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const row = Array.from({ length: cols }, (_, j) => value(i, j));
      rows.push((i % 1000 === 7 ? row.map((v) => `"${v}"`) : row).join(','));
    }
    const p = file('big.csv', rows.join('\n') + '\n');
    const whole = loadCsv(p);
    expect(whole.n).toBe(3000);
    for (const i of [0, 7, 1007, 1500, 2999]) expect(whole.x[i * cols + 5]).toBe(Math.fround(value(i, 5)));
    for (const chunkBytes of [64, 4096]) {
      const ds = loadCsv(p, { chunkBytes });
      expect(Buffer.from(ds.x.buffer).equals(Buffer.from(whole.x.buffer)), `chunkBytes ${chunkBytes}`).toBe(true);
    }
    const broken = rows.slice();
    broken[2500] = broken[2500]!.replace(/,[^,]*$/, ',oops');
    const q = file('big-bad.csv', broken.join('\n') + '\n');
    expectDataError(q, `${q}:2501:${cols}: cell "oops" is not a finite number`, { chunkBytes: 4096 });
    broken[1007] = broken[1007]!.replace(/,[^,]*$/, '');
    const r = file('big-ragged.csv', broken.join('\n') + '\n');
    expectDataError(r, `${r}:1008: expected ${cols} columns, found ${cols - 1}`, { chunkBytes: 4096 });
  });

  it('a line or cell too long to become a string is reported from its bytes (strings end near 512 MiB)', () => {
    // A 2 MiB cell: over the 1 MiB cell limit, reported by length without decoding it.
    const cell = file('longcell.csv', 'a,b\n1,' + '7'.repeat(2 << 20) + '\n');
    expectDataError(cell, `${cell}:2:2: a cell of ${2 << 20} bytes is not a number`, { chunkBytes: 4096 });
    // A 17 MiB line of 8.9M cells (over the 16 MiB line-text limit): its delimiters are counted as bytes.
    const cells = 17 << 19;
    const line = file('longline.csv', 'a,b\n' + '1,'.repeat(cells - 1) + '1\n');
    expectDataError(line, `${line}:2: expected 2 columns, found ${cells}`);
  });

  it('labels above 2^31 − 1 are rejected on the fast path too', () => {
    const p = file('hugelabel.csv', 'x,label\n1,2147483648\n');
    expectDataError(p, `${p}:2:2: label "2147483648" is not a non-negative integer`);
  });
});
