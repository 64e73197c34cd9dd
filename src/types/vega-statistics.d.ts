/** The part of vega-statistics (no bundled types) that latentkit uses. */
declare module 'vega-statistics' {
  /** Φ⁻¹(p)·stdev + mean: the normal quantile function (via an inverse error function approximation). */
  export function quantileNormal(p: number, mean?: number, stdev?: number): number;
}
