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

/** Write PNG bytes to `path` atomically and durably (temp file + fsync + rename). */
export function writePng(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
}
