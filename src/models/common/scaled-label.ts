/**
 * The one-hot label as a conditional model's networks read it: s·y [B, C], with s the
 * family's `labelScale` (../cvae/label-scale.ts explains why s = 10 for the dense CVAE).
 * Shared by cvae and the conv VAE given labels (conv-cvae).
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';

/**
 * s·y [B, C] (y itself when s = 1). A conditional model called without y is a programming
 * error, not a user's: the CLI and the trainer always feed labels to those families.
 */
export function scaledLabel(family: string, what: string, y: Value | undefined, s: number): Value {
  if (!y) throw new Error(`${family} ${what}: the one-hot labels y are required`);
  return s === 1 ? y : op.mul(y, s);
}
