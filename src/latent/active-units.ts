/**
 * Active latent units (Burda et al. 2016, sec. 5.2): unit u is active when the posterior
 * mean varies across the data, A_u = Var_x( E_{q(z|x)}[z_u] ) > threshold (0.01 there).
 */

/** Per-unit variance across n rows of `codes` (n × dim, row-major). */
export function unitVariances(codes: Float32Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < dim; u++) {
      const v = codes[i * dim + u]!;
      mean[u]! += v;
      sq[u]! += v * v;
    }
  }
  const out = new Float64Array(dim);
  for (let u = 0; u < dim; u++) {
    const m = mean[u]! / n;
    out[u] = Math.max(0, sq[u]! / n - m * m);
  }
  return out;
}

export function countActiveUnits(codes: Float32Array, n: number, dim: number, threshold = 0.01): number {
  return unitVariances(codes, n, dim).filter((v) => v > threshold).length;
}
