import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { crc32 as zlibCrc32 } from '../test-support/mutate.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { encodeIdx } from './idx.js';
import { listImageFolder, loadImageFolder } from './images.js';
import { loadData } from './load.js';
import { expectOneLineError } from '../test-support/expect-error.js';

const root = mkdtempSync(join(tmpdir(), 'latentkit-images-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Mode = 'gray' | 'graya' | 'rgb' | 'rgba';
const COLOR_TYPE: Record<Mode, 0 | 2 | 4 | 6> = { gray: 0, rgb: 2, graya: 4, rgba: 6 };

/** A PNG of `mode` with the given interleaved bytes (gray: 1 per pixel, graya 2, rgb 3, rgba 4). */
function png(w: number, h: number, mode: Mode, bytes: ArrayLike<number>): Buffer {
  const img = new PNG({ width: w, height: h });
  img.data = Buffer.from(Array.from(bytes));
  const ct = COLOR_TYPE[mode];
  return PNG.sync.write(img, { colorType: ct, inputColorType: ct, inputHasAlpha: mode === 'rgba' || mode === 'graya', bitDepth: 8 });
}

function put(path: string, bytes: Buffer | string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

let folderCount = 0;
const folder = (): string => join(root, `f${folderCount++}`);

function expectDataError(fn: () => unknown, message: string | RegExp): void {
  expectOneLineError(fn, DataError, message);
}

describe('image folders', () => {
  it('class sub-folders become labels in sorted order (as ImageFolder), grayscale → [1, H, W] scaled /255', () => {
    const d = folder();
    put(join(d, 'zebra', 'a.png'), png(3, 2, 'gray', [0, 51, 102, 153, 204, 255]));
    put(join(d, 'ant', 'b.png'), png(3, 2, 'gray', [255, 255, 255, 0, 0, 0]));
    put(join(d, 'ant', 'nested', 'c.png'), png(3, 2, 'gray', [1, 2, 3, 4, 5, 6]));
    put(join(d, 'ant', 'notes.txt'), 'ignored');
    put(join(d, '.hidden', 'x.png'), 'ignored, hidden');
    const ds = loadImageFolder(d);
    expect(ds.sampleShape).toEqual([1, 2, 3]);
    expect(ds.n).toBe(3);
    expect(ds.classNames).toEqual(['ant', 'zebra']);
    expect(ds.numClasses).toBe(2);
    // ant/b.png, ant/nested/c.png, zebra/a.png (sorted paths within a class).
    expect(Array.from(ds.labels!)).toEqual([0, 0, 1]);
    expect(Array.from(ds.x.subarray(12, 18))).toEqual([0, 51, 102, 153, 204, 255].map((v) => Math.fround(v / 255)));
    expect(Array.from(ds.x.subarray(0, 6))).toEqual([1, 1, 1, 0, 0, 0]);
  });

  it('RGB → [3, H, W] channel-first; alpha is dropped (colour kept whatever the opacity)', () => {
    const d = folder();
    // 2×1 RGBA: pixel 0 = (10, 20, 30, α 0), pixel 1 = (40, 50, 60, α 128).
    put(join(d, 'a.png'), png(2, 1, 'rgba', [10, 20, 30, 0, 40, 50, 60, 128]));
    put(join(d, 'b.png'), png(2, 1, 'rgb', [1, 2, 3, 4, 5, 6]));
    const ds = loadImageFolder(d);
    expect(ds.sampleShape).toEqual([3, 1, 2]);
    expect(ds.labels).toBeUndefined();
    expect(ds.classNames).toBeUndefined();
    const u = (v: number[]): number[] => v.map((b) => Math.fround(b / 255));
    expect(Array.from(ds.x.subarray(0, 6))).toEqual(u([10, 40, 20, 50, 30, 60])); // R plane, G plane, B plane
    expect(Array.from(ds.x.subarray(6, 12))).toEqual(u([1, 4, 2, 5, 3, 6]));
  });

  it('gray+alpha PNGs are grayscale; a folder of PNGs without sub-folders is unlabelled', () => {
    const d = folder();
    put(join(d, 'a.png'), png(2, 2, 'graya', [9, 0, 9, 255, 9, 1, 9, 2]));
    const ds = loadImageFolder(d);
    expect(ds.sampleShape).toEqual([1, 2, 2]);
    expect(Array.from(ds.x)).toEqual([9, 9, 9, 9].map((v) => Math.fround(v / 255)));
  });

  it('a size mismatch names both files, their sizes and modes', () => {
    const d = folder();
    put(join(d, 'cats', 'a.png'), png(2, 2, 'rgb', new Array(12).fill(0)));
    put(join(d, 'cats', 'x.png'), png(2, 3, 'rgb', new Array(18).fill(0)));
    expectDataError(
      () => loadImageFolder(d),
      `${join(d, 'cats', 'x.png')} is 2×3 RGB, but the first image ${join(d, 'cats', 'a.png')} is 2×2 RGB; all images must share one size and mode`,
    );
  });

  it('a mode mismatch (grayscale among RGB) names the file', () => {
    const d = folder();
    put(join(d, 'a', '1.png'), png(2, 2, 'rgb', new Array(12).fill(0)));
    put(join(d, 'b', '2.png'), png(2, 2, 'gray', new Array(4).fill(0)));
    expectDataError(() => loadData(d), `${join(d, 'b', '2.png')} is 2×2 grayscale, but the first image ${join(d, 'a', '1.png')} is 2×2 RGB; all images must share one size and mode`);
  });

  it('a corrupt or truncated PNG names the file', () => {
    const d = folder();
    put(join(d, 'a.png'), png(2, 2, 'gray', [0, 1, 2, 3]));
    put(join(d, 'b.png'), png(2, 2, 'gray', [0, 1, 2, 3]).subarray(0, 40));
    expectDataError(() => loadImageFolder(d), new RegExp(`^${join(d, 'b.png').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a readable PNG \\(`));
    const e = folder();
    put(join(e, 'z.png'), 'not a png at all');
    expectDataError(() => loadImageFolder(e), new RegExp(`z\\.png is not a readable PNG`));
  });

  it('a header claiming huge dimensions is refused from the IHDR, before decoding (a 30000×30000 claim in 70 bytes)', () => {
    const d = folder();
    const bytes = Buffer.from(png(4, 3, 'gray', new Array(12).fill(7)));
    // IHDR data is bytes 16..29 (width, height at 16 and 20); its CRC (over type + data) at 29.
    bytes.writeUInt32BE(30000, 16);
    bytes.writeUInt32BE(30000, 20);
    bytes.writeUInt32BE(zlibCrc32(bytes.subarray(12, 29)), 29);
    const f = put(join(d, 'bomb.png'), bytes);
    const t0 = performance.now();
    expectDataError(() => loadImageFolder(d), new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a readable PNG \\(IHDR says 30000×30000 pixels, 900030000 bytes of image data, but its \\d+ compressed bytes hold at most \\d+\\)$`));
    expect(performance.now() - t0).toBeLessThan(500);
    bytes[25] = 5; // colour type 5 does not exist
    bytes.writeUInt32BE(zlibCrc32(bytes.subarray(12, 29)), 29);
    put(f, bytes);
    expectDataError(() => loadImageFolder(d), /is not a readable PNG \(IHDR colour type 5 with bit depth 8 is not valid\)$/);
  });

  it('an empty folder, a folder without PNGs, an empty class folder and PNGs beside class folders are errors', () => {
    const empty = folder();
    mkdirSync(empty);
    expectDataError(() => loadData(empty), `no PNG images in ${empty} (the folder is empty)`);
    const jpgs = folder();
    put(join(jpgs, 'a.jpg'), 'x');
    expectDataError(() => loadData(jpgs), `no PNG images in ${jpgs} (found ${join(jpgs, 'a.jpg')}; only .png files are read)`);
    const emptyClass = folder();
    put(join(emptyClass, 'a', '1.png'), png(1, 1, 'gray', [0]));
    mkdirSync(join(emptyClass, 'b'));
    expectDataError(() => listImageFolder(emptyClass), `class folder ${join(emptyClass, 'b')} has no PNG images; add some or remove the folder`);
    const mixed = folder();
    put(join(mixed, 'a', '1.png'), png(1, 1, 'gray', [0]));
    put(join(mixed, 'top.png'), png(1, 1, 'gray', [0]));
    expectDataError(() => listImageFolder(mixed), /holds both PNG files .*top\.png.* and sub-folders .*; put every image in a class sub-folder/);
  });

  it('loadData: a folder is split by a seeded shuffle; train/ and test/ sub-folders give a fixed split with shared classes', () => {
    const d = folder();
    for (let i = 0; i < 20; i++) put(join(d, i < 10 ? 'a' : 'b', `${String(i).padStart(2, '0')}.png`), png(1, 1, 'gray', [i]));
    const s = loadData(d);
    expect([s.train.n, s.test.n]).toEqual([18, 2]);
    expect(s.train.classNames).toEqual(['a', 'b']);
    expect(s.test.classNames).toEqual(['a', 'b']);
    const values = [...s.train.x, ...s.test.x].map((v) => Math.round(v * 255)).sort((p, q) => p - q);
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i));

    const pre = folder();
    put(join(pre, 'train', 'cat', '1.png'), png(1, 1, 'gray', [1]));
    put(join(pre, 'train', 'dog', '2.png'), png(1, 1, 'gray', [2]));
    put(join(pre, 'test', 'dog', '3.png'), png(1, 1, 'gray', [3]));
    const f = loadData(pre);
    expect([f.train.n, f.test.n]).toEqual([2, 1]);
    expect(Array.from(f.test.labels!)).toEqual([1]); // 'dog' is class 1 of train's classes, not 0
    expect(f.test.numClasses).toBe(2);
    put(join(pre, 'test', 'bird', '4.png'), png(1, 1, 'gray', [4]));
    expectDataError(() => loadData(pre), /class folder .*bird has no counterpart in .*train/);
  });

  it('a folder that holds IDX files still loads as IDX, even with PNGs beside them', () => {
    const d = folder();
    const idx = (dims: number[], data: number[]): Buffer => Buffer.from(encodeIdx(dims, data));
    put(join(d, 'train-images-idx3-ubyte'), idx([2, 1, 2], [0, 255, 255, 0]));
    put(join(d, 'train-labels-idx1-ubyte'), idx([2], [0, 1]));
    put(join(d, 't10k-images-idx3-ubyte'), idx([1, 1, 2], [0, 0]));
    put(join(d, 't10k-labels-idx1-ubyte'), idx([1], [1]));
    put(join(d, 'preview.png'), png(1, 1, 'gray', [0]));
    const s = loadData(d);
    expect([s.train.n, s.test.n]).toEqual([2, 1]);
    expect(s.train.sampleShape).toEqual([1, 1, 2]);
  });
});
