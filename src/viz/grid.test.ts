import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { imageGridPixels, imageGridPng } from './grid.js';
import { encodeGrayPng, writePng } from './png.js';

const { PNG } = pngjs;

/** Decode PNG bytes and return width, height and the gray (R channel) value of each pixel. */
function decode(bytes: Uint8Array): { width: number; height: number; gray: number[]; opaque: boolean } {
  const png = PNG.sync.read(Buffer.from(bytes));
  const gray: number[] = [];
  let opaque = true;
  for (let i = 0; i < png.width * png.height; i++) {
    const [r, g, b, a] = [png.data[4 * i]!, png.data[4 * i + 1]!, png.data[4 * i + 2]!, png.data[4 * i + 3]!];
    if (r !== g || g !== b) throw new Error('not gray');
    if (a !== 255) opaque = false;
    gray.push(r);
  }
  return { width: png.width, height: png.height, gray, opaque };
}

describe('imageGridPng', () => {
  // 5 images of 2x3 (height x width), image i pixel (y, x) = (i*6 + y*3 + x) / 29
  const h = 2;
  const w = 3;
  const count = 5;
  const images = Float32Array.from({ length: count * h * w }, (_, k) => k / 29);

  it('decodes to the expected size: cols*w + (cols+1)*pad by rows*h + (rows+1)*pad', () => {
    const out = decode(imageGridPng(images, count, h, w, { cols: 3, pad: 1 }));
    expect(out.width).toBe(3 * 3 + 4);
    expect(out.height).toBe(2 * 2 + 3);
    expect(out.opaque).toBe(true);
    const def = decode(imageGridPng(images, count, h, w)); // default cols = ceil(sqrt(5)) = 3, pad 1
    expect([def.width, def.height]).toEqual([13, 7]);
  });

  it('places every tile pixel at its grid position as round(v*255), with gray separators and empty cells', () => {
    const cols = 3;
    const pad = 1;
    const out = decode(imageGridPng(images, count, h, w, { cols, pad }));
    for (let i = 0; i < count; i++) {
      const ox = pad + (i % cols) * (w + pad);
      const oy = pad + Math.floor(i / cols) * (h + pad);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          expect(out.gray[(oy + y) * out.width + ox + x]).toBe(Math.round(images[i * h * w + y * w + x]! * 255));
        }
      }
    }
    expect(out.gray[0]).toBe(128); // corner separator
    expect(out.gray[4 * out.width + 0]).toBe(128); // left border, between rows
    // cell 5 (row 1, col 2) is unused → separator gray
    expect(out.gray[(pad + h + pad) * out.width + pad + 2 * (w + pad)]).toBe(128);
  });

  it('clamps values to [0, 1] and maps NaN to black', () => {
    const px = imageGridPixels(new Float32Array([-3, 2, NaN, 0.5]), 1, 2, 2, { pad: 0 });
    expect(Array.from(px.pixels)).toEqual([0, 255, 0, 128]);
    const out = decode(imageGridPng(new Float32Array([-3, 2, NaN, 0.5]), 1, 2, 2, { pad: 0 }));
    expect(out.gray).toEqual([0, 255, 0, 128]);
  });

  it('scale replicates each pixel into a scale x scale block', () => {
    const out = decode(imageGridPng(new Float32Array([0, 1]), 1, 1, 2, { pad: 0, scale: 3 }));
    expect([out.width, out.height]).toEqual([6, 3]);
    for (let y = 0; y < 3; y++) expect(out.gray.slice(y * 6, y * 6 + 6)).toEqual([0, 0, 0, 255, 255, 255]);
  });

  it('rejects too few values and invalid sizes', () => {
    expect(() => imageGridPng(new Float32Array(5), 1, 2, 3)).toThrow(/need 1\*2\*3 = 6 values, got 5/);
    expect(() => imageGridPng(new Float32Array(6), 0, 2, 3)).toThrow(/count must be a positive integer/);
    expect(() => imageGridPng(new Float32Array(6), 1, 2, 3, { scale: 1.5 })).toThrow(/scale/);
  });
});

describe('encodeGrayPng / writePng', () => {
  it('writes a decodable grayscale PNG atomically (no temp files left)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latentkit-png-'));
    try {
      const p = join(dir, 'img.png');
      writePng(p, encodeGrayPng(new Uint8Array([0, 64, 128, 255, 1, 2]), 3, 2));
      const out = decode(readFileSync(p));
      expect([out.width, out.height]).toEqual([3, 2]);
      expect(out.gray).toEqual([0, 64, 128, 255, 1, 2]);
      expect(readdirSync(dir)).toEqual(['img.png']);
      // PNG colour type byte (IHDR offset 25) is 0 = grayscale
      expect(readFileSync(p)[25]).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a pixel count that does not match width*height', () => {
    expect(() => encodeGrayPng(new Uint8Array(5), 3, 2)).toThrow(/5 pixels for a 3x2 image/);
  });
});

/** Decode PNG bytes to [r, g, b] per pixel, plus the IHDR colour type. */
function decodeRgb(bytes: Uint8Array): { width: number; height: number; rgb: [number, number, number][]; colorType: number } {
  const png = PNG.sync.read(Buffer.from(bytes));
  const rgb: [number, number, number][] = [];
  for (let i = 0; i < png.width * png.height; i++) rgb.push([png.data[4 * i]!, png.data[4 * i + 1]!, png.data[4 * i + 2]!]);
  return { width: png.width, height: png.height, rgb, colorType: bytes[25]! };
}

describe('imageGridPng with channels: 3 (CHW colour images)', () => {
  it('a pure-red image gives red pixels, a pure-blue one blue, in an RGB PNG', () => {
    const h = 2;
    const w = 2;
    const red = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]; // R plane, G plane, B plane
    const blue = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
    const out = decodeRgb(imageGridPng(Float32Array.from([...red, ...blue]), 2, h, w, { cols: 2, pad: 1, channels: 3 }));
    expect(out.colorType).toBe(2);
    expect([out.width, out.height]).toEqual([2 * w + 3, h + 2]);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        expect(out.rgb[(1 + y) * out.width + 1 + x]).toEqual([255, 0, 0]);
        expect(out.rgb[(1 + y) * out.width + 1 + w + 1 + x]).toEqual([0, 0, 255]);
      }
    }
    expect(out.rgb[0]).toEqual([128, 128, 128]); // separator stays gray
  });

  it('reads each plane at its own pixel (CHW → interleaved) and scales every channel', () => {
    // one 1x2 image: pixel 0 = (0.2, 0.4, 0.6), pixel 1 = (1, 0, 0.5)
    const img = Float32Array.from([0.2, 1, 0.4, 0, 0.6, 0.5]);
    const px = imageGridPixels(img, 1, 1, 2, { pad: 0, channels: 3, scale: 2 });
    expect([px.width, px.height, px.channels]).toEqual([4, 2, 3]);
    const p0 = [51, 102, 153];
    const p1 = [255, 0, 128];
    expect(Array.from(px.pixels)).toEqual([...p0, ...p0, ...p1, ...p1, ...p0, ...p0, ...p1, ...p1]);
  });

  it('asks for 3 planes per image when channels is 3', () => {
    expect(() => imageGridPng(new Float32Array(4), 1, 2, 2, { channels: 3 })).toThrow(/need 1\*3\*2\*2 = 12 values, got 4/);
  });
});
