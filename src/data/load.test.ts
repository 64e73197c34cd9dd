import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { encodeIdx } from './idx.js';
import { DataError, loadData, subset, takeRows, validateFinite } from './load.js';
import { splitTail } from './ops.js';
import { expectOneLineError } from '../test-support/expect-error.js';

const dir = mkdtempSync(join(tmpdir(), 'latentkit-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csvRows(n: number): string {
  return Array.from({ length: n }, (_, i) => `${i},${i * 2}`).join('\n') + '\n';
}

const idx = encodeIdx;

function expectDataError(fn: () => unknown, message: string | RegExp): void {
  expectOneLineError(fn, DataError, message);
}

describe('loadData', () => {
  it('single CSV: a seeded shuffled split puts floor(10%) random rows in test, the rest in train, and reproduces', () => {
    const p = join(dir, 'twenty.csv');
    writeFileSync(p, csvRows(20));
    const s = loadData(p);
    expect([s.train.n, s.test.n]).toEqual([18, 2]);
    const firstCol = (x: Float32Array): number[] => Array.from(x).filter((_, i) => i % 2 === 0);
    const all = [...firstCol(s.train.x), ...firstCol(s.test.x)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i)); // a partition of the rows
    expect(firstCol(s.test.x)).not.toEqual([18, 19]); // not the tail
    expect(firstCol(s.train.x).slice(0, 5)).not.toEqual([0, 1, 2, 3, 4]); // train rows are shuffled too
    const again = loadData(p, { splitSeed: 0 });
    expect(Array.from(again.test.x)).toEqual(Array.from(s.test.x));
    const other = loadData(p, { splitSeed: 1 });
    expect(Array.from(other.test.x)).not.toEqual(Array.from(s.test.x));
  });

  it('splitSeed null keeps the legacy split: the last floor(10%) rows become test, in order', () => {
    const p = join(dir, 'twenty-tail.csv');
    writeFileSync(p, csvRows(20));
    const s = loadData(p, { splitSeed: null });
    expect(s.train.n).toBe(18);
    expect(s.test.n).toBe(2);
    expect(Array.from(s.test.x)).toEqual([18, 36, 19, 38]);
    expect(Array.from(s.train.x.subarray(0, 4))).toEqual([0, 0, 1, 2]);
  });

  it('a label-sorted file gets every class into both splits; testFraction sets the test size', () => {
    const p = join(dir, 'sorted.csv');
    writeFileSync(p, 'label,v\n' + Array.from({ length: 100 }, (_, i) => `${Math.floor(i / 25)},${i}`).join('\n') + '\n');
    const s = loadData(p, { testFraction: 0.2 });
    expect([s.train.n, s.test.n]).toEqual([80, 20]);
    expect(new Set(s.test.labels).size).toBe(4);
    expect(new Set(s.train.labels).size).toBe(4);
    expect(loadData(p, { splitSeed: null, testFraction: 0.2 }).test.labels!.every((l) => l === 3)).toBe(true); // what the tail split did
    expectDataError(() => loadData(p, { testFraction: 1 }), 'test fraction must be between 0 and 1 (exclusive), got 1');
    expectDataError(() => loadData(p, { testFraction: 0 }), /got 0$/);
  });

  it('single file with few rows still gets at least 1 test row; 1 row is an error', () => {
    const p = join(dir, 'five.csv');
    writeFileSync(p, csvRows(5));
    const s = loadData(p);
    expect([s.train.n, s.test.n]).toEqual([4, 1]);
    const q = join(dir, 'one.csv');
    writeFileSync(q, csvRows(1));
    expectDataError(() => loadData(q), /need at least 2 rows/);
  });

  it('limit keeps the first N train rows and leaves test unchanged', () => {
    const p = join(dir, 'lim.csv');
    writeFileSync(p, csvRows(30));
    const s = loadData(p, { limit: 4, splitSeed: null });
    expect(s.train.n).toBe(4);
    expect(Array.from(s.train.x)).toEqual([0, 0, 1, 2, 2, 4, 3, 6]);
    expect(s.test.n).toBe(3);
    expectDataError(() => loadData(p, { limit: 0 }), 'limit must be a positive integer, got 0');
  });

  it('passes labelColumn through to CSV loading', () => {
    const p = join(dir, 'lab.csv');
    writeFileSync(p, 'y,a\n' + csvRows(10));
    const s = loadData(p, { labelColumn: 'y', splitSeed: null });
    expect(s.train.sampleShape).toEqual([1]);
    expect(Array.from(s.test.labels!)).toEqual([9]);
  });

  it('loads .npy and IDX directories, and fashion-mnist from opts.dataDir', () => {
    const n = join(dir, 'a.npy');
    const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (10, 2), }".padEnd(53, ' ') + '\n';
    writeFileSync(n, Buffer.concat([Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, dict.length, 0]), Buffer.from(dict), Buffer.alloc(20, 255)]));
    const s = loadData(n);
    expect([s.train.n, s.test.n]).toEqual([9, 1]);
    expect(s.test.x[0]).toBe(1);

    const d = join(dir, 'idxdir');
    mkdirSync(d);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), idx([2, 1, 2], [0, 255, 255, 0]));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), idx([2], [0, 1]));
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), idx([1, 1, 2], [0, 0]));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), idx([1], [1]));
    const sd = loadData(d);
    expect([sd.train.n, sd.test.n]).toEqual([2, 1]);
    expect(sd.train.sampleShape).toEqual([1, 1, 2]);
    const sf = loadData('fashion-mnist', { dataDir: d });
    expect(sf.train.name).toBe('fashion-mnist [train]');
    expect(Array.from(sf.train.x)).toEqual([0, 1, 1, 0]);
  });

  it('one-line DataErrors for missing path, missing fashion dir, unknown extension, empty data', () => {
    const missing = join(dir, 'nope.csv');
    expectDataError(() => loadData(missing), `data file not found: ${missing}`);
    expectDataError(() => loadData('fashion-mnist', { dataDir: join(dir, 'nodir') }), `data directory not found: ${join(dir, 'nodir')}`);
    const bin = join(dir, 'x.bin');
    writeFileSync(bin, 'x');
    expectDataError(() => loadData(bin), /^unsupported data file extension '\.bin': .*x\.bin/);
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expectDataError(() => loadData(empty), `no data rows in ${empty} (file is empty)`);
  });
});

describe('row helpers', () => {
  const ds: Dataset = { name: 't', n: 3, sampleShape: [2], x: new Float32Array([0, 1, 2, 3, 4, 5]), labels: new Int32Array([2, 0, 1]), numClasses: 3 };

  it('takeRows copies the requested rows and labels in order', () => {
    const t = takeRows(ds, [2, 0, 2]);
    expect(Array.from(t.x)).toEqual([4, 5, 0, 1, 4, 5]);
    expect(Array.from(t.labels!)).toEqual([1, 2, 1]);
    expect(t.n).toBe(3);
    expect(t.numClasses).toBe(3);
    expect(() => takeRows(ds, [3])).toThrow(RangeError);
  });

  it('subset keeps the first n rows (as a copy) and returns ds when n >= ds.n', () => {
    const s = subset(ds, 2);
    expect(Array.from(s.x)).toEqual([0, 1, 2, 3]);
    expect(s.x.buffer).not.toBe(ds.x.buffer);
    expect(subset(ds, 5)).toBe(ds);
  });

  it('splitTail uses max(1, floor(n*f)) test rows', () => {
    const s = splitTail(ds, 0.1);
    expect([s.train.n, s.test.n]).toEqual([2, 1]);
    expect(Array.from(s.test.labels!)).toEqual([1]);
  });

  it('validateFinite names the first non-finite row and column, and bad labels', () => {
    expect(() => validateFinite(ds)).not.toThrow();
    const bad: Dataset = { ...ds, x: new Float32Array([0, 1, 2, 3, Infinity, NaN]) };
    expect(() => validateFinite(bad)).toThrow('t: non-finite value Infinity at row 2, column 0');
    const badLabel: Dataset = { ...ds, labels: new Int32Array([0, 3, 1]) };
    expect(() => validateFinite(badLabel)).toThrow('t: label 3 at row 1 is outside [0, 3)');
    const short: Dataset = { ...ds, x: new Float32Array(5) };
    expect(() => validateFinite(short)).toThrow(DataError);
  });
});
