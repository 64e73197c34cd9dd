/**
 * How a dataset's per-sample shape maps to pixels, so the viz layer knows whether (and how) a
 * row of floats can be drawn as an image.
 */

/** Pixel layout of one sample: `channels` planes of `height × width`, stored CHW (planes back to back). */
export interface ImageLayout {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/**
 * The image layout of a sample shape, or `null` when the shape is not an image:
 * - `[n]` with n a perfect square ≥ 4 (e.g. 784 → 28×28): gray, square;
 * - `[H, W]` or `[1, H, W]`: gray;
 * - `[3, H, W]`: RGB, channel-first (CHW, the layout of torchvision tensors and of our conv models).
 * Every other shape (e.g. `[10]` features, `[2, H, W]`, `[H, W, 3]`) gives `null`.
 */
export function imageLayout(sampleShape: readonly number[]): ImageLayout | null {
  if (!sampleShape.every((d) => Number.isInteger(d) && d >= 1)) return null;
  if (sampleShape.length === 1) {
    const n = sampleShape[0]!;
    const side = Math.round(Math.sqrt(n));
    return side >= 2 && side * side === n ? { channels: 1, height: side, width: side } : null;
  }
  if (sampleShape.length === 2) return { channels: 1, height: sampleShape[0]!, width: sampleShape[1]! };
  if (sampleShape.length === 3) {
    const [c, height, width] = sampleShape as [number, number, number];
    if (c === 1 || c === 3) return { channels: c, height, width };
  }
  return null;
}
