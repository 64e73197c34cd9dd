import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist, loadIdxDir, loadIdxPair, parseIdx } from './idx.js';

/** Build an unsigned-byte IDX buffer: 00 00 08 ndim, big-endian u32 dims, data. */
function idx(dims: number[], data: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 0x08, dims.length]);
  const dv = new DataView(out.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const IMAGES = idx([2, 2, 3], [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 1]);
const LABELS = idx([2], [7, 2]);

describe('parseIdx', () => {
  it('parses a hand-built u8 image file (magic 0x00000803) and label file (0x00000801)', () => {
    const im = parseIdx(IMAGES, 'mem');
    expect(im.dims).toEqual([2, 2, 3]);
    expect(Array.from(im.data)).toEqual([0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 1]);
    const lb = parseIdx(LABELS, 'mem');
    expect(lb.dims).toEqual([2]);
    expect(Array.from(lb.data)).toEqual([7, 2]);
  });

  it('transparently gunzips input starting with 1f 8b', () => {
    const gz = gzipSync(IMAGES);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const im = parseIdx(gz, 'mem.gz');
    expect(im.dims).toEqual([2, 2, 3]);
    expect(Array.from(im.data)).toEqual(Array.from(parseIdx(IMAGES, 'mem').data));
  });

  it('rejects bad magic, unsupported dtype, truncated and oversized data with DataError naming the source', () => {
    const badMagic = IMAGES.slice();
    badMagic[0] = 1;
    expect(() => parseIdx(badMagic, 'f1')).toThrow(/^f1: not an IDX file/);
    const float = IMAGES.slice();
    float[2] = 0x0d;
    expect(() => parseIdx(float, 'f2')).toThrow(/^f2: unsupported IDX dtype 0x0d/);
    expect(() => parseIdx(IMAGES.subarray(0, IMAGES.length - 1), 'f3')).toThrow(/^f3: .*need 12 data bytes, file has 11 \(truncated\)/);
    const long = new Uint8Array(IMAGES.length + 1);
    long.set(IMAGES);
    expect(() => parseIdx(long, 'f4')).toThrow(/file has 13$/);
    expect(() => parseIdx(gzipSync(IMAGES).subarray(0, 10), 'f5')).toThrow(DataError);
    expect(() => parseIdx(gzipSync(IMAGES).subarray(0, 10), 'f5')).toThrow(/^f5: corrupt gzip/);
  });
});

describe('loadIdxPair / loadIdxDir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latentkit-idx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loadIdxPair scales pixels by /255 and uses sampleShape [1, h, w]', () => {
    writeFileSync(join(dir, 'im'), IMAGES);
    writeFileSync(join(dir, 'lb'), LABELS);
    const ds = loadIdxPair(join(dir, 'im'), join(dir, 'lb'), 'tiny');
    expect(ds.name).toBe('tiny');
    expect(ds.n).toBe(2);
    expect(ds.sampleShape).toEqual([1, 2, 3]);
    expect(Array.from(ds.x)).toEqual([0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 1].map((v) => Math.fround(v / 255)));
    expect(Array.from(ds.labels!)).toEqual([7, 2]);
    expect(ds.numClasses).toBe(8);
  });

  it('loadIdxPair rejects an image/label count mismatch', () => {
    writeFileSync(join(dir, 'lb3'), idx([3], [1, 2, 3]));
    expect(() => loadIdxPair(join(dir, 'im'), join(dir, 'lb3'), 'x')).toThrow(/3 labels but .* has 2 images/);
  });

  it('loadIdxDir finds plain, gzipped and dotted MNIST-style names and shares numClasses', () => {
    const d = join(dir, 'set');
    mkdirSync(d);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), IMAGES);
    writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(LABELS));
    writeFileSync(join(d, 't10k-images.idx3-ubyte'), idx([1, 2, 3], [1, 2, 3, 4, 5, 6]));
    writeFileSync(join(d, 't10k-labels.idx1-ubyte'), idx([1], [9]));
    const s = loadIdxDir(d, 'tinyset');
    expect(s.train.n).toBe(2);
    expect(s.test.n).toBe(1);
    expect(s.train.numClasses).toBe(10);
    expect(s.test.numClasses).toBe(10);
    expect(s.train.name).toBe('tinyset [train]');
  });

  it('loadIdxDir reports a missing directory or file', () => {
    expect(() => loadIdxDir(join(dir, 'nope'))).toThrow(`data directory not found: ${join(dir, 'nope')}`);
    expect(() => loadIdxDir(dir)).toThrow(/^data file not found: .*train-images-idx3-ubyte\.gz/);
  });
});

const haveFashion = existsSync(join(DEFAULT_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
if (!haveFashion) console.warn(`skipping real Fashion-MNIST test: ${DEFAULT_FASHION_MNIST_DIR} is missing`);

describe('loadFashionMnist (real files)', () => {
  it.skipIf(!haveFashion)(`reads 60k/10k balanced 28x28 images in [0,1] from ${DEFAULT_FASHION_MNIST_DIR}`, () => {
    const s = loadFashionMnist();
    expect(s.train.n).toBe(60000);
    expect(s.test.n).toBe(10000);
    for (const [ds, per] of [
      [s.train, 6000],
      [s.test, 1000],
    ] as const) {
      expect(ds.sampleShape).toEqual([1, 28, 28]);
      expect(ds.x.length).toBe(ds.n * 784);
      expect(ds.numClasses).toBe(10);
      const counts = new Array<number>(10).fill(0);
      for (const l of ds.labels!) counts[l]!++;
      expect(counts).toEqual(new Array<number>(10).fill(per));
      let min = Infinity;
      let max = -Infinity;
      for (const v of ds.x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBe(1);
    }
  });
});
