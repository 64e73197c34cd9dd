/**
 * Weight initialisers. Each returns a fresh Float32Array for a static shape, drawing from
 * the given `Rng`. fan_in/fan_out follow PyTorch: for a dense [in, out] weight fan_in = in;
 * for a conv [out, in, kh, kw] weight fan_in = in·kh·kw.
 */
import type { Rng } from './rng.js';

export type Initializer = (rng: Rng, shape: readonly number[]) => Float32Array;
export type InitName = 'he' | 'glorot' | 'torch' | 'zeros';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** [fanIn, fanOut] of a weight: dense [in, out], conv [out, in, ...kernel]. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  if (shape.length > 2) {
    const rf = size(shape.slice(2));
    return [shape[1]! * rf, shape[0]! * rf];
  }
  return [shape[0] ?? 1, shape[0] ?? 1];
}

/** All zeros (biases, BatchNorm's shift β and running mean). */
export const zeros: Initializer = (_rng, shape) => new Float32Array(size(shape));
/** All ones (BatchNorm's scale γ and running variance start at 1). */
export const ones: Initializer = (_rng, shape) => new Float32Array(size(shape)).fill(1);

/** He/Kaiming normal: N(0, 2/fan_in), for ReLU layers (He et al., 2015). */
export const heNormal: Initializer = (rng, shape) => rng.fillNormal(new Float32Array(size(shape)), 0, Math.sqrt(2 / fans(shape)[0]));

/** Glorot/Xavier uniform: U(±√(6/(fan_in+fan_out))) (Glorot & Bengio, 2010). */
export const glorotUniform: Initializer = (rng, shape) => {
  const [fi, fo] = fans(shape);
  const a = Math.sqrt(6 / (fi + fo));
  return rng.fillUniform(new Float32Array(size(shape)), -a, a);
};

/**
 * PyTorch's nn.Linear/Conv default: kaiming_uniform(a=√5), i.e. U(±1/√fan_in), for
 * weights and biases alike. Used to match PyTorch references.
 */
export function torchUniform(fanIn: number): Initializer {
  const a = 1 / Math.sqrt(fanIn);
  return (rng, shape) => rng.fillUniform(new Float32Array(size(shape)), -a, a);
}

export function initializerFor(name: InitName, fanIn: number): Initializer {
  switch (name) {
    case 'he': return heNormal;
    case 'glorot': return glorotUniform;
    case 'torch': return torchUniform(fanIn);
    case 'zeros': return zeros;
  }
}
