/**
 * Attribute vectors (Larsen et al. 2016, §5; White 2016, "Sampling Generative Networks", §2.2):
 *
 *   v = mean{ z_i : sample i has the attribute } − mean{ z_i : sample i is in the contrast set }
 *
 * where the contrast set is the samples without the attribute, or an explicit second group
 * (e.g. label = 7 against label = 1). Adding α·v to a code and decoding moves the sample
 * towards the attribute; α = 0 is the plain reconstruction.
 */
export interface AttributeVector {
  /** v, length k. */
  readonly vector: Float32Array;
  /** Samples in the attribute group and in the contrast group. */
  readonly withCount: number;
  readonly withoutCount: number;
}

/** v = mean(codes[withMask]) − mean(codes[withoutMask]); both groups must be non-empty. */
export function attributeVector(codes: Float32Array, n: number, k: number, inWith: (i: number) => boolean, inWithout: (i: number) => boolean): AttributeVector {
  if (codes.length !== n * k) throw new RangeError(`attributeVector: expected ${n}×${k} values, got ${codes.length}`);
  const a = new Float64Array(k);
  const b = new Float64Array(k);
  let na = 0;
  let nb = 0;
  for (let r = 0; r < n; r++) {
    const w = inWith(r);
    const wo = inWithout(r);
    if (!w && !wo) continue;
    for (let d = 0; d < k; d++) {
      const v = codes[r * k + d]!;
      if (w) a[d]! += v;
      if (wo) b[d]! += v;
    }
    if (w) na++;
    if (wo) nb++;
  }
  if (na === 0 || nb === 0) throw new RangeError(`attributeVector: the ${na === 0 ? 'attribute' : 'contrast'} group is empty`);
  return { vector: Float32Array.from(a, (s, d) => s / na - b[d]! / nb), withCount: na, withoutCount: nb };
}

/**
 * The edited codes z_i + α_s·v for every chosen code i (rows) and every α_s (columns):
 * rows·alphas codes, row-major (row i holds its codes for α_0..α_{m−1}).
 */
export function applyAttribute(codes: Float32Array, count: number, vector: Float32Array, alphas: ArrayLike<number>): Float32Array {
  const k = vector.length;
  if (codes.length !== count * k) throw new RangeError(`applyAttribute: expected ${count}×${k} values, got ${codes.length}`);
  const m = alphas.length;
  const out = new Float32Array(count * m * k);
  for (let i = 0; i < count; i++) {
    for (let s = 0; s < m; s++) {
      const at = (i * m + s) * k;
      for (let d = 0; d < k; d++) out[at + d] = codes[i * k + d]! + alphas[s]! * vector[d]!;
    }
  }
  return out;
}

/** α values from a `lo:hi:count` spec, e.g. `-2:2:9` → −2, −1.5, …, 2. */
export function parseAlphaRange(spec: string): Float64Array {
  const m = /^\s*([+-]?[\d.]+(?:e[+-]?\d+)?):([+-]?[\d.]+(?:e[+-]?\d+)?):(\d+)\s*$/i.exec(spec);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  const count = m ? Number(m[3]) : NaN;
  if (!m || !Number.isFinite(lo) || !Number.isFinite(hi) || !(count >= 2) || !(hi > lo)) {
    throw new RangeError(`must be lo:hi:count with lo < hi and count ≥ 2, e.g. -2:2:9 (got ${spec})`);
  }
  return Float64Array.from({ length: count }, (_, s) => lo + ((hi - lo) * s) / (count - 1));
}
