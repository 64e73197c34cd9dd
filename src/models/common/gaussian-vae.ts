/**
 * The pieces every Gaussian-encoder VAE shares, whatever its networks (the MLP `vae`/`cvae`,
 * the convolutional `conv-vae`/`conv-cvae`/`vaegan`): the KL weight and its warm-up, the
 * reparameterised draw, the IWAE log weight, and the named terms of the training objective.
 * Kingma & Welling 2014 (the ELBO, eq. 10; reparameterisation, §2.4); Higgins et al. 2017 (β);
 * Bowman et al. 2016 (KL warm-up); Burda et al. 2016 (IWAE, eq. 8).
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { batchMean, meanSquaredError } from '../../losses/reconstruction.js';
import type { Terms } from '../types.js';

/**
 * The KL weight: β, or during warm-up β·min(1, (step+1)/(warmup·stepsPerEpoch)), fed per step
 * as the scheduled scalar `kl_weight`. A constant when there is no warm-up.
 */
export function klWeight(b: Builder, beta: number, klWarmupEpochs: number): number | Value {
  if (klWarmupEpochs === 0) return beta;
  return b.scheduled('kl_weight', (at) => beta * Math.min(1, (at.step + 1) / (klWarmupEpochs * at.stepsPerEpoch)));
}

/** z = μ + σ ⊙ ε with σ = exp(½ log σ²) and ε ~ N(0, I) the noise input `eps` [B, latent]. */
export function reparameterise(b: Builder, mu: Value, logVar: Value, latent: number): { z: Value; eps: Value } {
  const eps = b.noise('eps', [latent]);
  return { z: op.add(mu, op.mul(op.exp(op.mul(logVar, 0.5)), eps)), eps };
}

/**
 * log importance weight per sample [B] for one draw z ~ q(z|x):
 *   log w = log p(x|z) + log N(z; 0, I) − log N(z; μ, σ²)
 *         = −NLL − ½Σ z² + ½Σ ε² + ½Σ log σ²        (the log 2π terms cancel)
 * log p(x) ≥ E[log (1/K) Σ_k w_k] (IWAE, Burda et al. 2016, eq. 8).
 */
export function logImportanceWeight(p: { readonly nll: Value; readonly z: Value; readonly eps: Value; readonly logVar: Value }): Value {
  const half = (v: Value): Value => op.mul(op.reduceSum(v, [1]), 0.5);
  return op.add(op.sub(op.neg(p.nll), half(op.square(p.z))), op.add(half(op.square(p.eps)), half(p.logVar)));
}

/**
 * The named terms of one pass, batch means of per-sample values: loss = NLL + w·KL (w the KL
 * weight), recon = NLL, kl = KL(q(z|x) ‖ N(0, I)), elbo = −(NLL + KL), and mse of the decoder
 * mean against x (the scale every family reports).
 */
export function vaeTerms(p: { readonly nll: Value; readonly kl: Value; readonly mean: Value }, x: Value, w: number | Value): Terms {
  const perSample = w === 1 ? op.add(p.nll, p.kl) : op.add(p.nll, op.mul(p.kl, w));
  return {
    loss: batchMean(perSample),
    recon: batchMean(p.nll),
    kl: batchMean(p.kl),
    elbo: batchMean(op.neg(op.add(p.nll, p.kl))),
    mse: batchMean(meanSquaredError(p.mean, x)),
  };
}
