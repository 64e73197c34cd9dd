/**
 * The sample-quality criterion by which the VAE-GAN is compared with the plain conv VAE:
 * sharpness as the variance of the Laplacian (Pech-Pacheco et al. 2000, "Diatom autofocusing
 * in brightfield microscopy: a comparative study"), the standard blur measure:
 *
 *   L(i, j) = x(i−1, j) + x(i+1, j) + x(i, j−1) + x(i, j+1) − 4·x(i, j)   (interior pixels, per channel)
 *   S(x)    = Var_{i,j}[ L(i, j) ],   S̄ = mean over images
 *
 * Blurry decoders (a pixel-likelihood VAE averages the plausible images) have a low S̄; noise
 * has a high one. So the criterion is the distance to the real images' sharpness on a log
 * scale, |log(S̄_samples / S̄_real)|: smaller is more like real images.
 */

/** Mean Laplacian variance S̄ of n images stored row-major as [n, C, H, W]. */
export function meanLaplacianVariance(x: Float32Array, n: number, shape: readonly [number, number, number]): number {
  const [c, h, w] = shape;
  if (h < 3 || w < 3) throw new RangeError(`meanLaplacianVariance: images of ${h}×${w} have no interior pixels`);
  const per = c * h * w;
  if (x.length !== n * per) throw new RangeError(`meanLaplacianVariance: expected ${n * per} values, got ${x.length}`);
  let total = 0;
  for (let s = 0; s < n; s++) {
    let sum = 0;
    let sq = 0;
    let count = 0;
    for (let ch = 0; ch < c; ch++) {
      const base = s * per + ch * h * w;
      for (let i = 1; i < h - 1; i++) {
        for (let j = 1; j < w - 1; j++) {
          const p = base + i * w + j;
          const lap = x[p - w]! + x[p + w]! + x[p - 1]! + x[p + 1]! - 4 * x[p]!;
          sum += lap;
          sq += lap * lap;
          count++;
        }
      }
    }
    const mean = sum / count;
    total += sq / count - mean * mean;
  }
  return total / n;
}

/** |log(S̄_samples / S̄_real)|: 0 when the samples are exactly as sharp as the real images. */
export function sharpnessGap(samples: number, real: number): number {
  return Math.abs(Math.log(samples / real));
}
