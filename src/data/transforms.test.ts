import { describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';
import { applyStandardize, binarizeStatic, fitStandardize, STD_FLOOR } from './transforms.js';

const ds = (rows: number[][]): Dataset => ({ name: 'd', n: rows.length, sampleShape: [rows[0]!.length], x: Float32Array.from(rows.flat()) });

describe('transforms', () => {
  it('binarizeStatic: x > 0.5 → 1, else 0 (0.5 itself → 0); a new dataset, the input untouched', () => {
    const src = ds([[0, 0.5, 0.50001, 1, -3, 7]]);
    const out = binarizeStatic(src);
    expect(Array.from(out.x)).toEqual([0, 0, 1, 1, 0, 1]);
    expect(src.x[2]).toBeCloseTo(0.50001, 6);
    const inPlace = binarizeStatic(src, { inPlace: true });
    expect(inPlace.x).toBe(src.x);
    expect(Array.from(src.x)).toEqual([0, 0, 1, 1, 0, 1]);
  });

  it('fitStandardize: per-feature mean and population std; a constant feature gets σ = 1 (only centred)', () => {
    const train = ds([
      [1, 10, 5],
      [3, 10, 5],
      [5, 10, 5],
    ]);
    const s = fitStandardize(train);
    expect(Array.from(s.mean)).toEqual([3, 10, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(Array.from(s.std.subarray(1))).toEqual([1, 1]);
    const z = applyStandardize(train, s);
    expect(z.x[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(Array.from(z.x.filter((_, i) => i % 3 !== 0))).toEqual([0, 0, 0, 0, 0, 0]);
    // Test data uses the train statistics: a constant-in-train feature that moves is shifted, not blown up.
    const test = applyStandardize(ds([[3, 11, 5]]), s);
    expect(Array.from(test.x)).toEqual([0, 1, 0]);
    const own = ds([[3, 11, 5]]);
    expect(applyStandardize(own, s, { inPlace: true }).x).toBe(own.x);
    expect(Array.from(own.x)).toEqual([0, 1, 0]);
    expect(STD_FLOOR).toBeLessThan(1e-3);
  });

  it('standardised train data has mean 0 and std 1 per feature', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [i, (i * 7) % 13, Math.sin(i)]);
    const z = applyStandardize(ds(rows), fitStandardize(ds(rows)));
    for (let j = 0; j < 3; j++) {
      const col = Array.from(z.x).filter((_, i) => i % 3 === j);
      const m = col.reduce((a, b) => a + b, 0) / col.length;
      const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length;
      expect(m).toBeCloseTo(0, 5);
      expect(v).toBeCloseTo(1, 4);
    }
  });

  it('NaN in the data is a one-line DataError naming the feature; mismatched statistics too', () => {
    expect(() => fitStandardize(ds([[1, NaN], [2, 3]]))).toThrow(new DataError('d: feature 1 has a non-finite mean (NaN); the data holds NaN or Infinity'));
    const s = fitStandardize(ds([[1, 2]]));
    expect(() => applyStandardize(ds([[1, 2, 3]]), s)).toThrow(/samples have 3 values, but the standardisation statistics have 2/);
    expect(() => applyStandardize(ds([[NaN, 2]]), s)).toThrow(/row 0, feature 0 is NaN/);
  });
});
