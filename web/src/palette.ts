/**
 * Label colours: Tableau 10 (the default categorical scheme of Vega-Lite, as in `latentkit map`),
 * then Tableau 20's lighter tones; further labels cycle. Gray for unlabelled points.
 */
const TABLEAU = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5'];
export const UNLABELLED = '#5f6b73';

export function labelColor(label: number): string {
  return label < 0 ? UNLABELLED : TABLEAU[label % TABLEAU.length]!;
}

/** A CSS hex colour as a little-endian RGBA uint32 (the byte order of ImageData over a Uint32Array view). */
export function packRgba(hex: string, alpha = 255): number {
  const v = parseInt(hex.slice(1), 16);
  return ((alpha << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
}
