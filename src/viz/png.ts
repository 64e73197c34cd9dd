import pngjs from 'pngjs';
import { writeFileAtomic } from '../persist/atomic.js';

const { PNG } = pngjs;

/**
 * Encode an 8-bit grayscale image as PNG bytes. `pixels` is row-major, length `width * height`,
 * 0 = black, 255 = white. Throws RangeError on a size mismatch.
 */
export function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodeGrayPng: invalid size ${width}x${height}`);
  }
  if (pixels.length !== width * height) {
    throw new RangeError(`encodeGrayPng: ${pixels.length} pixels for a ${width}x${height} image`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

/**
 * Encode an 8-bit RGB image as PNG bytes (colour type 2). `pixels` is row-major with the three
 * channels interleaved (`[r, g, b, r, g, b, …]`), length `3 * width * height`.
 * Throws RangeError on a size mismatch.
 */
export function encodeRgbPng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodeRgbPng: invalid size ${width}x${height}`);
  }
  if (pixels.length !== 3 * width * height) {
    throw new RangeError(`encodeRgbPng: ${pixels.length} values for a ${width}x${height} RGB image (need ${3 * width * height})`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, bitDepth: 8 }));
}

/** Write PNG bytes to `path` atomically and durably (temp file + fsync + rename). */
export function writePng(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
}
