import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError } from '../test-support/expect-error.js';
import { DataError } from './errors.js';
import { DEFAULT_FASHION_MNIST_DIR, encodeIdx, loadFashionMnist, loadIdxDir, loadIdxPair, parseIdx } from './idx.js';

const idx = encodeIdx;

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
    expect(() => parseIdx(gzipSync(IMAGES).subarray(0, 10), 'f5')).toThrow(/^f5: gzip data is truncated \(unexpected end of file\)$/);
  });
});

/** Peak resident memory of this process in bytes (VmHWM), or undefined off Linux. */
function peakRss(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * A gzip bomb: a gzip member holding `head` followed by `copies` gzip members of 16 MiB of zeros
 * each (gunzip reads concatenated members as one stream), so 640 copies inflate to 10.7 GB from
 * about 10 MB, like the 10.9 MB bomb. Built by repeating one member, so it costs nothing.
 */
function gzipBomb(head: Uint8Array, copies: number): Buffer {
  const zeros = gzipSync(Buffer.alloc(16 << 20), { level: 9 });
  return Buffer.concat([gzipSync(head), ...new Array<Buffer>(copies).fill(zeros)]);
}

describe('parseIdx on gzip bombs: the header is read first, the stream stops at the declared size', () => {
  /** Runs `fn`, expecting a DataError matching `message` within `ms`, with the peak RSS growing by < 100 MB. */
  function failsFastAndSmall(fn: () => unknown, message: RegExp, ms: number): void {
    const before = peakRss();
    const t0 = performance.now();
    expectOneLineError(fn, DataError, message);
    expect(performance.now() - t0).toBeLessThan(ms);
    const after = peakRss();
    if (before !== undefined && after !== undefined) expect(after - before).toBeLessThan(100e6);
  }

  it('a 10 MB bomb whose header claims 2^31 images of 28×28 is refused from its header (< 1 s, no large allocation)', () => {
    const bomb = gzipBomb(idx([2 ** 31, 28, 28], []), 640);
    expect(bomb.length).toBeGreaterThan(10e6);
    failsFastAndSmall(
      () => parseIdx(bomb, 'bomb.gz'),
      /^bomb\.gz: IDX dims \[2147483648, 28, 28\] \(1683627180032 bytes of data\) exceed the \d+-byte limit of one in-memory array$/,
      1000,
    );
  });

  it('a bomb with a plausible header stops inflating at header + prod(dims) bytes and says the data is longer', () => {
    const bomb = gzipBomb(idx([1000, 28, 28], []), 640);
    failsFastAndSmall(() => parseIdx(bomb, 'long.gz'), /^long\.gz: IDX dims \[1000, 28, 28\] need 784000 data bytes, the decompressed file has more$/, 1000);
  });

  it('exactly the declared size loads; one byte more or less inside the gzip stream is an error', () => {
    const data = Array.from({ length: 12 }, (_, i) => i * 20);
    expect(Array.from(parseIdx(gzipSync(idx([2, 2, 3], data)), 'ok.gz').data)).toEqual(data);
    expectOneLineError(() => parseIdx(gzipSync(idx([2, 2, 3], [...data, 0])), 'more.gz'), DataError, 'more.gz: IDX dims [2, 2, 3] need 12 data bytes, the decompressed file has more');
    expectOneLineError(() => parseIdx(gzipSync(idx([2, 2, 3], data.slice(1))), 'less.gz'), DataError, 'less.gz: IDX dims [2, 2, 3] need 12 data bytes, decompressed file has 11 (truncated)');
  });

  it('finds a header behind a long gzip file name (the header search widens its compressed prefix)', () => {
    const gz = gzipSync(IMAGES);
    // RFC 1952: set FNAME (flag bit 3) and put a zero-terminated 10 kB name after the 10-byte header.
    const named = Buffer.concat([gz.subarray(0, 10), Buffer.alloc(10_000, 0x61), Buffer.of(0), gz.subarray(10)]);
    named[3] = named[3]! | 0x08;
    expect(parseIdx(named, 'named.gz').dims).toEqual([2, 2, 3]);
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
    expect(() => loadIdxDir(dir)).toThrow(/^data file not found: .*train-images-idx3-ubyte \(also tried train-images-idx3-ubyte\.gz, train-images\.idx3-ubyte, train-images\.idx3-ubyte\.gz\)$/);
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
