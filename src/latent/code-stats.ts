/**
 * Per-dimension statistics of a set of codes (n rows × k dims, row-major): the mean, the
 * standard deviation (population, 1/n), and the observed range. The latent tools centre
 * manifolds, traversals and attribute edits on these.
 */
export interface CodeStats {
  readonly n: number;
  readonly k: number;
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

export function codeStats(codes: Float32Array, n: number, k: number): CodeStats {
  if (codes.length !== n * k) throw new RangeError(`codeStats: expected ${n}×${k} = ${n * k} values, got ${codes.length}`);
  if (n < 1) throw new RangeError('codeStats: no codes');
  const mean = new Float64Array(k);
  const sq = new Float64Array(k);
  const min = new Float64Array(k).fill(Infinity);
  const max = new Float64Array(k).fill(-Infinity);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) {
      const v = codes[r * k + j]!;
      mean[j]! += v;
      sq[j]! += v * v;
      if (v < min[j]!) min[j] = v;
      if (v > max[j]!) max[j] = v;
    }
  }
  const std = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    mean[j]! /= n;
    std[j] = Math.sqrt(Math.max(0, sq[j]! / n - mean[j]! ** 2));
  }
  return { n, k, mean, std, min, max };
}

/** Row `i` of a row-major n × k matrix, as a copy. */
export function row(codes: Float32Array, k: number, i: number): Float32Array {
  return codes.slice(i * k, (i + 1) * k);
}

/** Copies rows `indices` of a row-major matrix with `k` columns into a new matrix. */
export function gatherRows(codes: Float32Array, k: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * k);
  for (let j = 0; j < indices.length; j++) out.set(codes.subarray(indices[j]! * k, (indices[j]! + 1) * k), j * k);
  return out;
}
