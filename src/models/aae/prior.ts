/**
 * The AAE's priors p(z) as per-batch noise samplers (JS, seeded by the trainer's Rng).
 *
 *   normal   z ~ N(0, I)
 *   uniform  z ~ U[−√3, √3]^d: zero mean and unit variance per dim, like `normal`, so the
 *            same encoder scale and learning rates suit both (drawn as U[0,1) noise and
 *            mapped in the graph by `uniformFromUnit`)
 *   mog      a mixture of K Gaussians whose means lie on a circle of radius MOG_RADIUS in
 *            the first two code dims (mean_k = R·(cos 2πk/K, sin 2πk/K, 0, …)), each with
 *            isotropic std MOG_STD in every dim; K = 10 (Makhzani et al. 2016, fig. 4), or
 *            one component per class when conditional. Neighbouring means are
 *            2R·sin(π/K) = 2.47 apart for K = 10, about 5 standard deviations.
 *
 * A conditional mixture draws row i from component labels[i] (sec. 2.3: each class owns a
 * region of the prior); an unconditional one picks the component uniformly at random.
 */
import type { NoiseSampler } from '../../nn/builder.js';

export const MOG_RADIUS = 4;
export const MOG_STD = 0.5;
/** Components of the unconditional mixture. */
export const MOG_COMPONENTS = 10;
/** Half-width of the uniform prior: U[−a, a] has variance a²/3 = 1. */
export const UNIFORM_HALF_WIDTH = Math.sqrt(3);

/** Mean of component k of K in `dim` dims: on the circle of radius MOG_RADIUS in dims 0 and 1. */
export function mogMean(k: number, K: number, dim: number): Float32Array {
  const m = new Float32Array(dim);
  const angle = (2 * Math.PI * k) / K;
  m[0] = MOG_RADIUS * Math.cos(angle);
  m[1] = MOG_RADIUS * Math.sin(angle);
  return m;
}

/**
 * A sampler of the K-component mixture in `dim` dims. `conditional`: row i comes from
 * component labels[i] (labels must be given and lie in [0, K)).
 */
export function mogSampler(K: number, dim: number, conditional: boolean): NoiseSampler {
  if (dim < 2) throw new RangeError(`mog prior: needs at least 2 dims (got ${dim})`);
  const means = Array.from({ length: K }, (_, k) => mogMean(k, K, dim));
  return (rng, out, count, labels) => {
    if (conditional && (!labels || labels.length < count)) throw new Error('conditional mog prior: every row needs a class label');
    rng.fillNormal(out, 0, MOG_STD);
    for (let i = 0; i < count; i++) {
      const k = conditional ? labels![i]! : rng.int(K);
      if (!(k >= 0 && k < K)) throw new RangeError(`conditional mog prior: label ${k} is outside [0, ${K})`);
      const m = means[k]!;
      out[i * dim] += m[0]!;
      out[i * dim + 1] += m[1]!;
    }
  };
}
