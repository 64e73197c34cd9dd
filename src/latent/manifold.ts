/**
 * The decoded manifold: a g × g grid of codes over two latent dimensions (i, j), every other
 * dimension held at a fixed centre (the mean code).
 *
 * - `gaussian` spacing (VAEs, whose prior is N(0, I)): the grid values are Φ⁻¹(p) for p evenly
 *   spaced in (0, 1), p_s = (s + ½)/g, so each cell covers equal prior mass. This is the layout
 *   of Kingma & Welling 2014, figure 4 ("linearly spaced coordinates on the unit square were
 *   transformed through the inverse CDF of the Gaussian").
 * - `range` spacing (families with no prior): evenly spaced over the observed [min, max] of each
 *   of the two dimensions.
 *
 * Row r of the grid (top to bottom) varies dimension j from high to low, column c varies
 * dimension i from low to high, so the picture reads like a scatter plot of (i, j).
 */
import { quantileNormal } from 'vega-statistics';
import type { CodeStats } from './code-stats.js';

export type GridSpacing = 'gaussian' | 'range';

export interface ManifoldGrid {
  /** g·g codes, row-major (g·g × k); code r·g + c is grid row r, column c. */
  readonly codes: Float32Array;
  /** Values of dimension i along the columns, and of dimension j along the rows (top first). */
  readonly xValues: Float64Array;
  readonly yValues: Float64Array;
}

/** Φ⁻¹((s + ½)/g) for s = 0..g−1: standard-normal quantiles at the centres of g equal-mass bins. */
export function gaussianGridValues(g: number): Float64Array {
  return Float64Array.from({ length: g }, (_, s) => quantileNormal((s + 0.5) / g));
}

/** g values evenly spaced over [lo, hi] (both ends included; g = 1 → the midpoint). */
export function rangeGridValues(g: number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: g }, (_, s) => (g === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * s) / (g - 1)));
}

export function manifoldGrid(stats: CodeStats, dims: readonly [number, number], g: number, spacing: GridSpacing): ManifoldGrid {
  const { k } = stats;
  const [i, j] = dims;
  if (!Number.isInteger(g) || g < 2) throw new RangeError(`grid must be an integer ≥ 2 (got ${g})`);
  for (const d of dims) if (!Number.isInteger(d) || d < 0 || d >= k) throw new RangeError(`dimension ${d} is outside [0, ${k - 1}]`);
  if (i === j) throw new RangeError(`the two dimensions must differ (got ${i},${j})`);
  const axis = (d: number): Float64Array => (spacing === 'gaussian' ? gaussianGridValues(g) : rangeGridValues(g, stats.min[d]!, stats.max[d]!));
  const xValues = axis(i);
  const yValues = axis(j).reverse();
  const codes = new Float32Array(g * g * k);
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) {
      const at = (r * g + c) * k;
      for (let d = 0; d < k; d++) codes[at + d] = stats.mean[d]!;
      codes[at + i] = xValues[c]!;
      codes[at + j] = yValues[r]!;
    }
  }
  return { codes, xValues, yValues };
}
