import { encodeGrayPng } from './png.js';

/** Layout options for {@link imageGridPng} / {@link imageGridPixels}. */
export interface GridOptions {
  /** Images per row; default `ceil(sqrt(count))`. */
  readonly cols?: number;
  /** Separator width in source pixels between tiles and around the border; default 1. */
  readonly pad?: number;
  /** Integer nearest-neighbour upscaling factor for the whole grid; default 1. */
  readonly scale?: number;
  /** Gray level of the separator lines in [0, 1]; default 0.5. */
  readonly padValue?: number;
}

/** An 8-bit grayscale raster: row-major `pixels`, length `width * height`. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * Tile `count` grayscale images into one raster. `images` holds them back to back, each
 * row-major `height × width` float values (any extra trailing values are ignored); values are
 * clamped to [0, 1] (NaN → 0) and mapped to `round(v * 255)`. Tile i sits at grid row
 * `floor(i / cols)`, column `i % cols`; unused cells and separators are `padValue` gray.
 * Output size before scaling: `cols*width + (cols+1)*pad` × `rows*height + (rows+1)*pad`.
 */
export function imageGridPixels(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  opts: GridOptions = {},
): GrayImage {
  for (const [k, v] of [['count', count], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`imageGrid: ${k} must be a positive integer, got ${v}`);
  }
  if (images.length < count * height * width) {
    throw new RangeError(`imageGrid: need ${count}*${height}*${width} = ${count * height * width} values, got ${images.length}`);
  }
  const cols = opts.cols ?? Math.ceil(Math.sqrt(count));
  const pad = opts.pad ?? 1;
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`imageGrid: cols must be a positive integer, got ${cols}`);
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`imageGrid: pad must be a non-negative integer, got ${pad}`);
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`imageGrid: scale must be a positive integer, got ${scale}`);
  const rows = Math.ceil(count / cols);
  const gw = cols * width + (cols + 1) * pad;
  const gh = rows * height + (rows + 1) * pad;
  const grid = new Uint8Array(gw * gh).fill(toByte(opts.padValue ?? 0.5));
  for (let i = 0; i < count; i++) {
    const ox = pad + (i % cols) * (width + pad);
    const oy = pad + Math.floor(i / cols) * (height + pad);
    const base = i * height * width;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) grid[(oy + y) * gw + ox + x] = toByte(images[base + y * width + x]!);
    }
  }
  if (scale === 1) return { width: gw, height: gh, pixels: grid };
  const sw = gw * scale;
  const out = new Uint8Array(sw * gh * scale);
  for (let y = 0; y < gh * scale; y++) {
    const srcRow = Math.floor(y / scale) * gw;
    for (let x = 0; x < sw; x++) out[y * sw + x] = grid[srcRow + Math.floor(x / scale)]!;
  }
  return { width: sw, height: gh * scale, pixels: out };
}

/** {@link imageGridPixels} encoded as grayscale PNG bytes (write them with writePng). */
export function imageGridPng(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  opts: GridOptions = {},
): Uint8Array {
  const img = imageGridPixels(images, count, height, width, opts);
  return encodeGrayPng(img.pixels, img.width, img.height);
}

function toByte(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  if (v >= 1) return 255;
  return Math.round(v * 255);
}
