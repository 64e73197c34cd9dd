import { encodeGrayPng, encodeRgbPng } from './png.js';

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
  /**
   * Colour planes per image: 1 (gray, default) or 3 (RGB). With 3, each image is stored CHW:
   * three `height × width` planes (R, G, B) back to back, `3 * height * width` values per image.
   */
  readonly channels?: 1 | 3;
}

/** An 8-bit grayscale raster: row-major `pixels`, length `width * height`. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * An 8-bit raster with 1 (gray) or 3 (RGB) channels: row-major `pixels`, channels interleaved
 * (`[r, g, b, r, g, b, …]` for RGB), length `channels * width * height`.
 */
export interface GridImage extends GrayImage {
  readonly channels: 1 | 3;
}

/**
 * Tile `count` images into one raster. `images` holds them back to back, each `channels`
 * row-major `height × width` planes of float values (CHW; any extra trailing values are
 * ignored); values are clamped to [0, 1] (NaN → 0) and mapped to `round(v * 255)`. Tile i sits
 * at grid row `floor(i / cols)`, column `i % cols`; unused cells and separators are `padValue`
 * gray. Output size before scaling: `cols*width + (cols+1)*pad` × `rows*height + (rows+1)*pad`;
 * the output interleaves channels (HWC), as PNG wants.
 */
export function imageGridPixels(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  opts: GridOptions = {},
): GridImage {
  for (const [k, v] of [['count', count], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`imageGrid: ${k} must be a positive integer, got ${v}`);
  }
  const channels = opts.channels ?? 1;
  if (channels !== 1 && channels !== 3) throw new RangeError(`imageGrid: channels must be 1 or 3, got ${String(channels)}`);
  const plane = height * width;
  const perImage = channels * plane;
  if (images.length < count * perImage) {
    const dims = channels === 1 ? `${count}*${height}*${width}` : `${count}*3*${height}*${width}`;
    throw new RangeError(`imageGrid: need ${dims} = ${count * perImage} values, got ${images.length}`);
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
  const grid = new Uint8Array(gw * gh * channels).fill(toByte(opts.padValue ?? 0.5));
  for (let i = 0; i < count; i++) {
    const ox = pad + (i % cols) * (width + pad);
    const oy = pad + Math.floor(i / cols) * (height + pad);
    for (let c = 0; c < channels; c++) {
      const base = i * perImage + c * plane;
      for (let y = 0; y < height; y++) {
        const row = ((oy + y) * gw + ox) * channels + c;
        for (let x = 0; x < width; x++) grid[row + x * channels] = toByte(images[base + y * width + x]!);
      }
    }
  }
  if (scale === 1) return { width: gw, height: gh, channels, pixels: grid };
  const sw = gw * scale;
  const out = new Uint8Array(sw * gh * scale * channels);
  for (let y = 0; y < gh * scale; y++) {
    const srcRow = Math.floor(y / scale) * gw;
    for (let x = 0; x < sw; x++) {
      const src = (srcRow + Math.floor(x / scale)) * channels;
      const dst = (y * sw + x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = grid[src + c]!;
    }
  }
  return { width: sw, height: gh * scale, channels, pixels: out };
}

/**
 * {@link imageGridPixels} encoded as PNG bytes (write them with writePng): grayscale for
 * `channels: 1` (default), RGB for `channels: 3`.
 */
export function imageGridPng(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  opts: GridOptions = {},
): Uint8Array {
  const img = imageGridPixels(images, count, height, width, opts);
  return img.channels === 3
    ? encodeRgbPng(img.pixels, img.width, img.height)
    : encodeGrayPng(img.pixels, img.width, img.height);
}

function toByte(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  if (v >= 1) return 255;
  return Math.round(v * 255);
}
