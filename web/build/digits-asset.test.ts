/**
 * The page's bundled digits decode to exactly the digits `latentkit train --data mnist` loads:
 * the same rows, order, labels and float32 values, bit for bit (so a run trained in the page on
 * `--limit n` digits is evaluated by the CLI on the same data).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadBundledMnist } from '../../src/data/mnist.js';
import { unpackDigits } from '../src/train/digits.js';
import { packDigits } from './digits-asset.js';

describe('bundled digits for the page', () => {
  it('pack → gzip → unpack gives loadBundledMnist bit for bit, in under 2.5 MB', () => {
    const { train, test } = loadBundledMnist();
    const gz = gzipSync(packDigits(train, test), { level: 6 });
    expect(gz.length).toBeLessThan(2.5e6);
    const back = unpackDigits(new Uint8Array(gunzipSync(gz)));
    for (const [got, want] of [
      [back.train, train],
      [back.test, test],
    ] as const) {
      expect(got.n).toBe(want.n);
      expect(got.sampleShape).toEqual(want.sampleShape);
      expect(got.numClasses).toBe(10);
      expect(Buffer.from(got.labels!.buffer).equals(Buffer.from(want.labels!.buffer))).toBe(true);
      expect(Buffer.from(got.x.buffer).equals(Buffer.from(want.x.buffer))).toBe(true);
    }
  });

  it('refuses bytes that are not the digits file, and a truncated one', () => {
    const { train, test } = loadBundledMnist();
    const packed = packDigits(train, test);
    expect(() => unpackDigits(new Uint8Array(64))).toThrow(/is not the page's digits file/);
    expect(() => unpackDigits(packed.subarray(0, packed.length - 1))).toThrow(/holds \d+ bytes, its header says \d+/);
  });
});
