/**
 * Writing pictures: image grids in the sample's own layout (gray or RGB) and Vega-Lite charts
 * rendered to PNG, each written atomically.
 */
import { imageGridPng, type GridOptions } from '../viz/grid.js';
import type { ImageLayout } from '../viz/image-layout.js';
import { writePng } from '../viz/png.js';
import { renderSvg, svgToPng, type VegaLiteSpec } from '../viz/vega.js';

/** Upscaling that makes small images (e.g. 28×28 digits) readable in a grid. */
export function gridScale(layout: ImageLayout): number {
  return Math.max(1, Math.min(4, Math.round(56 / Math.max(layout.height, layout.width))));
}

/** PNG bytes of `count` images tiled `cols` per row. */
export function gridPng(images: Float32Array, count: number, layout: ImageLayout, opts: GridOptions = {}): Uint8Array {
  return imageGridPng(images, count, layout.height, layout.width, { scale: gridScale(layout), ...opts, channels: layout.channels });
}

export function writeGrid(path: string, images: Float32Array, count: number, layout: ImageLayout, opts: GridOptions = {}): void {
  writePng(path, gridPng(images, count, layout, opts));
}

/** Renders a Vega-Lite spec to SVG and to PNG bytes. */
export async function renderChart(spec: VegaLiteSpec, width?: number): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await renderSvg(spec);
  return { svg, png: svgToPng(svg, width !== undefined ? { width } : {}) };
}
