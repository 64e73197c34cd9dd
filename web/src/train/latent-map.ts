/**
 * The Train tab's latent map: 2-D positions of n codes (n × k). A 2-D latent is drawn as it is
 * (a 1-D one on a line); a wider one is projected on its first two principal components,
 * xy_i = W (z_i − μ), with W the top two eigenvectors of the codes' covariance
 * C = (1/n) Σ (z_i − μ)(z_i − μ)ᵀ (top-eigen.ts), the map `latentkit explore` draws by default.
 */
import { topEigen } from '../../../src/browser.js';

export interface LatentMap {
  readonly xy: Float32Array;
  readonly method: 'identity' | 'pca';
  /** The PCA plane (mean and the two components as rows), for placing other codes on the map. */
  readonly plane: { readonly mean: number[]; readonly components: number[][] } | null;
}

export function mapOf(codes: Float32Array, n: number, k: number): LatentMap {
  const xy = new Float32Array(2 * n);
  if (k <= 2) {
    for (let i = 0; i < n; i++) [xy[2 * i], xy[2 * i + 1]] = [codes[i * k]!, k === 2 ? codes[i * k + 1]! : 0];
    return { xy, method: 'identity', plane: null };
  }
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j]! += codes[i * k + j]! / n;
  const cov = new Float64Array(k * k);
  const centred = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) centred[j] = codes[i * k + j]! - mean[j]!;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) cov[a * k + b]! += (centred[a]! * centred[b]!) / n;
  }
  const { vectors } = topEigen(cov, k, 2);
  for (let i = 0; i < n; i++) {
    let x = 0;
    let y = 0;
    for (let j = 0; j < k; j++) {
      const c = codes[i * k + j]! - mean[j]!;
      x += vectors[j]! * c;
      y += vectors[k + j]! * c;
    }
    [xy[2 * i], xy[2 * i + 1]] = [x, y];
  }
  return { xy, method: 'pca', plane: { mean: Array.from(mean), components: [Array.from(vectors.subarray(0, k)), Array.from(vectors.subarray(k, 2 * k))] } };
}
