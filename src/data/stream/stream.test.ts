import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../nn/rng.js';
import { cutBlocks, StreamEpoch, type StreamingData } from '../../train/stream.js';
import { encodeIdx } from '../idx.js';
import { encodeNpy } from '../npy.js';
import { RowFile } from './row-file.js';
import { chooseStreaming } from './choose.js';
import { openStreamSplit, windowPlan } from './stream-split.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DIM = 3;

/** A float32 .npy whose row i is [i, i + 0.25, i + 0.5]. */
function f32Npy(n: number): string {
  const path = join(tmp, `f32-${n}.npy`);
  writeFileSync(path, encodeNpy(Float32Array.from({ length: n * DIM }, (_, j) => Math.floor(j / DIM) + (j % DIM) / 4), [n, DIM]));
  return path;
}

/** A uint8 .npy whose row i is [i mod 256, floor(i / 256), 7] (as bytes). */
function u8Npy(n: number): string {
  const path = join(tmp, `u8-${n}.npy`);
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, ${DIM}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + n * DIM);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  for (let i = 0; i < n; i++) out.set([i % 256, Math.floor(i / 256), 7], 10 + header.length + i * DIM);
  writeFileSync(path, out);
  return path;
}

function streamOf(file: RowFile, blockRows: number, windowBlocks: number, rows = file.rows): StreamingData {
  return { kind: 'stream', name: file.name, n: rows, sampleShape: file.sampleShape, reader: file, blocks: cutBlocks([{ start: 0, count: rows }], blockRows), blockRows, windowBlocks };
}

/** The file rows of one epoch in visiting order, gathered in batches of `batch`; also the most windows ever held. */
async function epochRows(data: StreamingData, rng: Rng, batch: number, rowOf: (x: Float32Array) => number): Promise<{ rows: number[]; maxHeld: number }> {
  const epoch = StreamEpoch.draw(data, rng);
  const x = new Float32Array(batch * DIM);
  const rows: number[] = [];
  let maxHeld = 0;
  for (let p = 0; p < data.n; p += batch) {
    const count = Math.min(batch, data.n - p);
    await epoch.gather(p, count, x, null);
    maxHeld = Math.max(maxHeld, epoch.heldWindows.length);
    for (let i = 0; i < count; i++) rows.push(rowOf(x.subarray(i * DIM, (i + 1) * DIM)));
  }
  await epoch.settle();
  return { rows, maxHeld };
}

const f32Row = (v: Float32Array): number => {
  expect([v[1]! - v[0]!, v[2]! - v[0]!]).toEqual([0.25, 0.5]);
  return v[0]!;
};
const u8Row = (v: Float32Array): number => {
  expect(v[2]).toBe(Math.fround(7 / 255));
  return Math.round(v[0]! * 255) + 256 * Math.round(v[1]! * 255);
};
const sorted = (a: number[]): number[] => [...a].sort((p, q) => p - q);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('streamed epochs (windowed block shuffle)', () => {
  // 1,000 rows in blocks of 64: 15 full blocks and a last block of 40; 3 blocks per window: 6 windows, batches of 50 straddle windows.
  it('float32: every row exactly once per epoch; epochs differ; the same generator state gives the same order', async () => {
    const file = RowFile.npy(f32Npy(1000));
    try {
      const data = streamOf(file, 64, 3);
      const rng = new Rng('s');
      const e1 = await epochRows(data, rng, 50, f32Row);
      const e2 = await epochRows(data, rng, 50, f32Row);
      expect(sorted(e1.rows)).toEqual(range(1000));
      expect(sorted(e2.rows)).toEqual(range(1000));
      expect(e2.rows).not.toEqual(e1.rows);
      const again = await epochRows(data, new Rng('s'), 50, f32Row);
      expect(again.rows).toEqual(e1.rows);
      // Shuffled beyond blocks: consecutive visits are rarely neighbours in the file.
      const neighbours = e1.rows.slice(1).filter((r, i) => Math.abs(r - e1.rows[i]!) === 1).length;
      expect(neighbours).toBeLessThan(50);
      // Batch size does not change the order (windows are a property of the data, not of the batches).
      expect((await epochRows(data, new Rng('s'), 7, f32Row)).rows).toEqual(e1.rows);
    } finally {
      file.close();
    }
  });

  it('uint8: decoded as v/255; every row once, including the last partial block; at most two windows held', async () => {
    const file = RowFile.npy(u8Npy(700));
    try {
      const data = streamOf(file, 32, 2); // 21 full blocks + 28 rows: 22 blocks, 11 windows
      const e = await epochRows(data, new Rng(3), 40, u8Row);
      expect(sorted(e.rows)).toEqual(range(700));
      expect(e.maxHeld).toBeLessThanOrEqual(2);
      // Rows of one window come from its blocks only: the first 64 visits fall into exactly 2 blocks.
      const firstWindow = e.rows.slice(0, 64);
      const blocks = new Set(firstWindow.map((r) => Math.floor(r / 32)));
      expect(blocks.size).toBeLessThanOrEqual(2);
    } finally {
      file.close();
    }
  });

  it('a window of one partial block, and a single window holding everything', async () => {
    const file = RowFile.npy(f32Npy(130));
    try {
      const small = await epochRows(streamOf(file, 64, 1), new Rng(1), 64, f32Row); // windows of 64, 64, 2
      expect(sorted(small.rows)).toEqual(range(130));
      const whole = await epochRows(streamOf(file, 16, 100), new Rng(1), 64, f32Row);
      expect(sorted(whole.rows)).toEqual(range(130));
    } finally {
      file.close();
    }
  });

  it('position(p) names window and offset; a resumed epoch (same generator state) continues with the same rows', async () => {
    const file = RowFile.npy(f32Npy(512));
    try {
      const data = streamOf(file, 32, 4);
      const full = (await epochRows(data, new Rng('r'), 25, f32Row)).rows;
      const epoch = StreamEpoch.draw(data, new Rng('r'));
      const pos = epoch.position(300);
      expect(pos.window).toBe(Math.floor(300 / 128));
      expect(pos.offset).toBe(300 - 128 * pos.window);
      const x = new Float32Array(212 * DIM);
      await epoch.gather(300, 212, x, null);
      const rest = range(212).map((i) => f32Row(x.subarray(i * DIM, (i + 1) * DIM)));
      expect(rest).toEqual(full.slice(300));
      await epoch.settle();
    } finally {
      file.close();
    }
  });

  it('a non-finite float32 value is a one-line DataError naming the file row', async () => {
    const path = join(tmp, 'nan.npy');
    const x = new Float32Array(100 * DIM);
    x[57 * DIM + 2] = Number.NaN;
    writeFileSync(path, encodeNpy(x, [100, DIM]));
    const file = RowFile.npy(path);
    try {
      const epoch = StreamEpoch.draw(streamOf(file, 16, 2), new Rng(0));
      await expect(epoch.gather(0, 100, new Float32Array(100 * DIM), null)).rejects.toThrow(`${path}: non-finite value NaN at row 57, column 2`);
      await epoch.settle();
    } finally {
      file.close();
    }
  });
});

describe('openStreamSplit', () => {
  it('npy: held-out test blocks and training blocks partition the rows; limit keeps the first rows; seeded', () => {
    const path = f32Npy(2000);
    const s = openStreamSplit(path, { shuffleBuffer: 256, testFraction: 0.1, splitSeed: 4 });
    try {
      const { blockRows } = windowPlan(256);
      expect(s.stream.blockRows).toBe(blockRows);
      const testRows = Array.from({ length: s.test.n }, (_, i) => s.test.x[i * DIM]!);
      const trainRows = s.stream.blocks.flatMap((b) => range(b.count).map((i) => b.start + i));
      expect(sorted([...testRows, ...trainRows])).toEqual(range(2000));
      expect(s.test.n).toBe(Math.round(200 / blockRows) * blockRows);
      expect(s.stream.n).toBe(2000 - s.test.n);
      expect(s.train.n).toBeLessThanOrEqual(10_000);
      const sampleRows = Array.from({ length: s.train.n }, (_, i) => s.train.x[i * DIM]!);
      expect(sampleRows.every((r) => !testRows.includes(r))).toBe(true);
    } finally {
      s.close();
    }
    const limited = openStreamSplit(path, { shuffleBuffer: 256, testFraction: 0.1, splitSeed: 4, limit: 300 });
    try {
      expect(limited.stream.n).toBe(300);
      const first = sorted(limited.stream.blocks.flatMap((b) => range(b.count).map((i) => b.start + i)));
      const all = openStreamSplit(path, { shuffleBuffer: 256, testFraction: 0.1, splitSeed: 4 });
      const allRows = sorted(all.stream.blocks.flatMap((b) => range(b.count).map((i) => b.start + i)));
      all.close();
      expect(first).toEqual(allRows.slice(0, 300));
    } finally {
      limited.close();
    }
  });

  it('a gzipped IDX training file is refused in one line with the hint to gunzip it', () => {
    const dir = join(tmp, 'gz-idx');
    const idx = encodeIdx;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([10, 2, 2], new Uint8Array(40))));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([10], new Uint8Array(10)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([10, 2, 2], new Uint8Array(40)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([10], new Uint8Array(10)));
    const err = (() => {
      try {
        openStreamSplit(dir, { shuffleBuffer: 16, testFraction: 0.1, splitSeed: 0 });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.name).toBe('DataError');
    expect(err?.message).toBe(`${join(dir, 'train-images-idx3-ubyte.gz')}: a gzipped IDX file cannot be streamed (gzip cannot seek); gunzip it first (gunzip -k ${join(dir, 'train-images-idx3-ubyte.gz')})`);
  });

  it('IDX folder: training images and labels streamed, t10k as the test split, numClasses over the whole labels file', async () => {
    const dir = join(tmp, 'idx');
    mkdirSync(dir, { recursive: true });
    const idx = encodeIdx;
    // Image i is 4 pixels all equal to i mod 256; its label is i mod 7, except row 999's, 11.
    const n = 1000;
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([n, 2, 2], Uint8Array.from({ length: n * 4 }, (_, j) => Math.floor(j / 4) % 256)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([n], Uint8Array.from({ length: n }, (_, i) => (i === 999 ? 11 : i % 7))));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([30, 2, 2], new Uint8Array(120).fill(9)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([30], new Uint8Array(30).fill(2)));
    const s = openStreamSplit(dir, { shuffleBuffer: 64, testFraction: 0.1, splitSeed: 0 });
    try {
      expect(s.source).toBe('fixed');
      expect(s.stream.n).toBe(n);
      expect(s.stream.numClasses).toBe(12);
      expect(s.stream.sampleShape).toEqual([1, 2, 2]);
      expect(s.test.n).toBe(30);
      expect(s.test.numClasses).toBe(12);
      const epoch = StreamEpoch.draw(s.stream, new Rng(2));
      const x = new Float32Array(n * 4);
      const labels = new Int32Array(n);
      await epoch.gather(0, n, x, labels);
      await epoch.settle();
      // Each visited row's label matches its pixels' row (pixel = row mod 256, label = row mod 7 but row 999).
      for (let i = 0; i < n; i++) {
        const px = Math.round(x[i * 4]! * 255);
        const rows = range(n).filter((r) => r % 256 === px && (r === 999 ? 11 : r % 7) === labels[i]);
        expect(rows.length).toBeGreaterThan(0);
      }
      expect(labels.includes(11)).toBe(true);
    } finally {
      s.close();
    }
  });
});

describe('chooseStreaming', () => {
  it('streams a .npy file whose in-memory form exceeds half the available memory, with a one-line note; --stream forces it', () => {
    const path = u8Npy(1000); // 3,000 bytes stored + 12,000 bytes of float32 ≈ 15 kB in memory
    expect(chooseStreaming(path, undefined, 1e6)).toEqual({ stream: false });
    const chosen = chooseStreaming(path, undefined, 20_000);
    expect(chosen.stream).toBe(true);
    expect(chosen.note).toMatch(new RegExp(`^note: ${path} needs about 15.\\d kB in memory, more than half of the 20 kB available: streaming it from disk`));
    expect(chosen.note).not.toContain('\n');
    expect(chooseStreaming(path, true, 1e12)).toEqual({ stream: true });
    expect(chooseStreaming(join(tmp, 'x.csv'), undefined, 1)).toEqual({ stream: false });
  });
});
