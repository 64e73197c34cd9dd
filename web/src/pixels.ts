/**
 * Drawing model inputs/outputs as images. A row of the data is CHW floats (C = 1 or 3);
 * standardised data is mapped back by x·σ + μ, then shown as clamp(x, 0, 1)·255 (the same
 * mapping as the thumbnails, src/workflow/explore-pieces.ts thumbnailBytes).
 */
import type { ExploreImage, ExplorePreprocess } from '../../src/workflow/explore-manifest.js';

/** Display bytes (HWC) of one data-space row. */
export function rowToBytes(row: ArrayLike<number>, image: ExploreImage, pre: ExplorePreprocess): Uint8Array {
  const { channels: c, height: h, width: w } = image;
  const out = new Uint8Array(h * w * c);
  const s = pre.standardize;
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) {
      const f = ch * h * w + p;
      let v = row[f]!;
      if (s) v = v * s.std[f]! + s.mean[f]!;
      out[p * c + ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return out;
}

/** Writes HWC bytes into an RGBA ImageData at (dx, dy). */
export function putBytes(ctx: CanvasRenderingContext2D, bytes: Uint8Array, image: ExploreImage, dx = 0, dy = 0): void {
  const { channels: c, height: h, width: w } = image;
  const img = ctx.createImageData(w, h);
  for (let p = 0; p < h * w; p++) {
    img.data[4 * p] = bytes[p * c]!;
    img.data[4 * p + 1] = bytes[p * c + (c === 3 ? 1 : 0)]!;
    img.data[4 * p + 2] = bytes[p * c + (c === 3 ? 2 : 0)]!;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, dx, dy);
}

/** Draws n rows side by side into a canvas sized n·W × H (images), or as bar charts of the features (other data). */
export function drawRows(canvas: HTMLCanvasElement, rows: Float32Array, n: number, image: ExploreImage | null, pre: ExplorePreprocess, featureCount: number): void {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  if (image) {
    canvas.width = n * image.width;
    canvas.height = image.height;
    const d = image.channels * image.height * image.width;
    for (let i = 0; i < n; i++) putBytes(ctx, rowToBytes(rows.subarray(i * d, (i + 1) * d), image, pre), image, i * image.width, 0);
    return;
  }
  const cellW = Math.max(48, featureCount * 3);
  canvas.width = n * cellW;
  canvas.height = 64;
  // bars may stretch: fill the panel's width at a readable height
  canvas.style.width = '100%';
  canvas.style.height = '96px';
  canvas.style.background = '#fff';
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < n; i++) {
    const row = rows.subarray(i * featureCount, (i + 1) * featureCount);
    let lo = 0;
    let hi = 0;
    for (const v of row) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const span = hi - lo || 1;
    const zeroY = 60 - ((0 - lo) / span) * 56;
    ctx.fillStyle = '#4c78a8';
    row.forEach((v, f) => {
      const y = 60 - ((v - lo) / span) * 56;
      ctx.fillRect(i * cellW + f * (cellW / featureCount), Math.min(y, zeroY), Math.max(1, cellW / featureCount - 1), Math.abs(zeroY - y) || 1);
    });
  }
}
