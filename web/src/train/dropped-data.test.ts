/**
 * Dropped CSV and NPY files parse as `latentkit train --data FILE` reads them (header, label
 * column, values as float32), and a bad file is one line naming the file, line and column.
 * (PNG decoding needs a browser: src/workflow/train-tab.browser.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../../src/data/npy.js';
import { parseCsvText, parseNpy } from './dropped-data.js';

describe('dropped data', () => {
  it('CSV: a header with a label column gives labels and float32 features', () => {
    const ds = parseCsvText('d.csv', 'a,label,b\n0.5,1,2\n-1e-3,0,3.25\n');
    expect(ds.n).toBe(2);
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.x)).toEqual([0.5, 2, Math.fround(-1e-3), 3.25]);
    expect(Array.from(ds.labels!)).toEqual([1, 0]);
    expect(ds.numClasses).toBe(2);
  });

  it('CSV without a header, tab-separated: every column is a feature', () => {
    const ds = parseCsvText('d.tsv', '1\t2\n3\t4\n');
    expect(ds.labels).toBeUndefined();
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4]);
  });

  it('CSV mistakes name the file, line and column', () => {
    expect(() => parseCsvText('d.csv', 'a,b\n1,2\n3,x\n')).toThrow('d.csv:3:2: cell "x" is not a finite number');
    expect(() => parseCsvText('d.csv', 'a,b\n1,2\n3\n')).toThrow('d.csv:3: 1 columns, expected 2');
    expect(() => parseCsvText('d.csv', 'a,label\n1,2.5\n')).toThrow(/d\.csv:2:2: label "2\.5" is not a non-negative integer/);
    expect(() => parseCsvText('d.csv', '')).toThrow('no data rows in d.csv (file is empty)');
  });

  it('NPY: float32 rows of any shape; u1 scaled to [0, 1]; a size that does not match the header is refused', () => {
    const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 7);
    const ds = parseNpy('a.npy', encodeNpy(x, [2, 3, 4]));
    expect(ds.n).toBe(2);
    expect(ds.sampleShape).toEqual([3, 4]);
    expect(Array.from(ds.x)).toEqual(Array.from(x));
    const bytes = encodeNpy(x, [2, 3, 4]);
    expect(() => parseNpy('a.npy', bytes.subarray(0, bytes.length - 4))).toThrow(/a\.npy: the header's shape \(2, 3, 4\) needs 96 bytes of data, the file has 92/);
    expect(() => parseNpy('b.npy', new TextEncoder().encode('not numpy at all'))).toThrow('b.npy: not a .npy file (missing \\x93NUMPY magic)');
  });
});
