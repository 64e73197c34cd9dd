/**
 * Paths between two codes (or two images), sampled at `steps` evenly spaced t ∈ [0, 1]
 * including both ends.
 *
 *   lerp(a, b, t)  = (1 − t)·a + t·b
 *   slerp(a, b, t) = sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b,   cos Ω = a·b / (‖a‖‖b‖)
 *
 * Slerp (Shoemake 1985; proposed for generative latents by White 2016, "Sampling Generative
 * Networks") keeps the path at the norm typical of N(0, I) draws in high dimensions, where a
 * straight line passes through the low-density centre. When a and b are (nearly) parallel,
 * slerp falls back to lerp.
 */
export type PathMode = 'linear' | 'slerp';

/** Evenly spaced t_s = s / (steps − 1), s = 0..steps−1. */
export function pathTimes(steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`steps must be an integer ≥ 2 (got ${steps})`);
  return Float64Array.from({ length: steps }, (_, s) => s / (steps - 1));
}

/** `steps` points on the path from a to b (steps × dim, row-major). */
export function interpolationPath(a: Float32Array, b: Float32Array, steps: number, mode: PathMode = 'linear'): Float32Array {
  if (a.length !== b.length) throw new RangeError(`interpolationPath: endpoints differ in length (${a.length} vs ${b.length})`);
  const d = a.length;
  const times = pathTimes(steps);
  const out = new Float32Array(steps * d);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < d; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const cosOmega = na > 0 && nb > 0 ? Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb))) : 1;
  const omega = Math.acos(cosOmega);
  const useSlerp = mode === 'slerp' && Math.sin(omega) > 1e-6;
  times.forEach((t, s) => {
    const wa = useSlerp ? Math.sin((1 - t) * omega) / Math.sin(omega) : 1 - t;
    const wb = useSlerp ? Math.sin(t * omega) / Math.sin(omega) : t;
    for (let i = 0; i < d; i++) out[s * d + i] = wa * a[i]! + wb * b[i]!;
  });
  return out;
}
