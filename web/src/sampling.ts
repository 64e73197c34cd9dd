/**
 * Draws codes in the page: N(0, I) by the Box–Muller transform, z = √(−2 ln u₁)·cos(2π u₂);
 * and the fitted diagonal Gaussian mixture (src/latent/gmm.ts): pick component j with
 * probability w_j, then z = μ_j + σ_j ⊙ ε, ε ~ N(0, I).
 */
import type { ExploreMixture } from '../../src/workflow/explore-manifest.js';

export function standardNormal(random: () => number = Math.random): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function sampleNormal(n: number, k: number, random: () => number = Math.random): Float32Array {
  return Float32Array.from({ length: n * k }, () => standardNormal(random));
}

export function sampleMixture(mix: ExploreMixture, n: number, random: () => number = Math.random): Float32Array {
  const k = mix.dim;
  const total = mix.weights.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let u = random() * total;
    let j = 0;
    while (j < mix.weights.length - 1 && u >= mix.weights[j]!) u -= mix.weights[j++]!;
    for (let d = 0; d < k; d++) out[i * k + d] = mix.means[j]![d]! + Math.sqrt(mix.variances[j]![d]!) * standardNormal(random);
  }
  return out;
}
