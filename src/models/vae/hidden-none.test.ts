/**
 * `--hidden none` (hidden []) on the VAE: the encoder is one affine layer from x to μ and
 * log σ², so no hidden activation may touch the raw input. With a sigmoid hidden activation,
 * μ must be x·W_μ + b_μ, not sigmoid(x)·W_μ + b_μ. (The conditional VAE encodes through the
 * same code.) Runs saved before the fix trained with sigmoid(x) and keep that encoder.
 */
import { describe, expect, it } from 'vitest';
import { Codec } from '../../latent/codec.js';
import { Trainer } from '../../train/trainer.js';
import { getFamily } from '../registry.js';
import type { AutoencoderModel } from '../types.js';
import { nodeBackend } from '../../runtime/node.js';

const X = Float32Array.of(0.9, -2, 3, 0, 1, -0.5);
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** μ of the two rows of X, and the same computed by hand from the encoder's parameters after `f(x)`. */
async function muAndAffine(model: AutoencoderModel, f: (v: number) => number): Promise<{ mu: Float32Array; expected: number[] }> {
  const trainer = await Trainer.create(model, { batchSize: 2, seed: 0, backend: nodeBackend, threads: 1, optimizer: { kind: 'adam', lr: 1e-3 } });
  const codec = await Codec.compile(model, trainer.state, { backend: nodeBackend, threads: 1 });
  try {
    const { mu } = await codec.encode(X, 2);
    const W = trainer.state.get('enc.mu.W');
    const b = trainer.state.get('enc.mu.b');
    const expected = [0, 1].flatMap((r) => [0, 1].map((j) => b[j]! + [0, 1, 2].reduce((s, i) => s + f(X[r * 3 + i]!) * W[i * 2 + j]!, 0)));
    return { mu: mu!, expected };
  } finally {
    await codec.release();
    await trainer.release();
  }
}

describe('vae with no hidden layer', () => {
  const raw = { family: 'vae', inputShape: [3], hidden: [], latent: 2, activation: 'sigmoid' };

  it('encodes μ = x·W_μ + b_μ (the raw input, no activation)', async () => {
    const vae = getFamily('vae');
    const { mu, expected } = await muAndAffine(vae.create(vae.parse(raw)), (v) => v);
    for (let k = 0; k < 4; k++) expect(mu[k]!).toBeCloseTo(expected[k]!, 5);
  });

  it('a config saved before the fix keeps the encoder it trained with, sigmoid(x)·W_μ + b_μ; one saved after keeps the fixed one', async () => {
    const vae = getFamily('vae');
    const old = vae.parse(vae.upgradeSaved(raw));
    expect(old).toMatchObject({ activateInput: true });
    const { mu, expected } = await muAndAffine(vae.create(old), sigmoid);
    for (let k = 0; k < 4; k++) expect(mu[k]!).toBeCloseTo(expected[k]!, 5);
    expect(vae.upgradeSaved(vae.parse(raw))).toMatchObject({ activateInput: false });
    expect(vae.upgradeSaved({ ...raw, hidden: [8] })).toMatchObject({ activateInput: false });
    const cvae = getFamily('cvae');
    expect(cvae.upgradeSaved({ ...raw, family: 'cvae' })).toMatchObject({ activateInput: true, labelScale: 1 });
  });
});
