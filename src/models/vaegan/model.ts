/**
 * VAE-GAN (Larsen, Sønderby, Larochelle & Winther 2016, "Autoencoding beyond pixels using a
 * learned similarity metric", ICML; sec. 2 and Algorithm 1): the conv VAE of ../conv-vae whose
 * reconstruction error is measured in a discriminator's feature space, plus that
 * discriminator judging real, reconstructed and prior-sampled images.
 *
 *   encoder        μ, log σ² = Enc(x);  z = μ + σ ⊙ ε                      [B, latent]
 *   decoder        x̃ = σ(Dec(z)),  x_p = σ(Dec(z_p)),  z_p ~ N(0, I)       [B, C, H, W]
 *                  (σ for the Bernoulli decoder; the Gaussian decoder's mean is Dec itself)
 *   discriminator  Dis_l(·) = the last conv layer's activations (flattened)   [B, c·h·w]
 *                  ℓ(·) = Dense(Dis_l(·)), a logit: "real"                    [B, 1]
 *   L_prior   = KL(q(z|x) ‖ N(0, I))
 *   L_llike   = ½ ‖Dis_l(x̃) − Dis_l(x)‖²   (−log N(Dis_l(x); Dis_l(x̃), I) up to a constant, eq. 8)
 *   L_GAN     = −log σ(ℓ(x)) − log(1 − σ(ℓ(x̃))) − log(1 − σ(ℓ(x_p)))   (eq. 9, as a loss)
 *
 * Three phases per batch, in this order, each with its own Adam state (Alg. 1):
 *   enc   minimise  loss     = β·L_prior + L_llike                  over the encoder
 *   dec   minimise  dec_loss = γ·L_llike + gen_loss                 over the decoder
 *         with the non-saturating gen_loss = −log σ(ℓ(x̃)) − log σ(ℓ(x_p)) (Goodfellow et al. 2014, sec. 3)
 *   disc  minimise  disc_loss = L_GAN                               over the discriminator (Adam β₁ = 0.5)
 * Every term is a batch mean of per-sample values. `recon` (−log p(x|z) under the Bernoulli
 * decoder σ(Dec(z))) and `mse` are reported; with `pixelWeight` w = 0 (the paper) they are not
 * trained on, the pixel likelihood being what the VAE-GAN replaces; w > 0 adds w·recon to the
 * enc and dec objectives (a hybrid of the VAE and the VAE-GAN). The IWAE bound (`eval --iw`)
 * is that Bernoulli model's.
 */
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { type ConvPlan, convStack, flatten, planConvStack } from '../../nn/conv.js';
import { dense } from '../../nn/layers.js';
import { gaussianKlToStandard } from '../../losses/divergence.js';
import { discriminatorLoss, generatorLoss } from '../../losses/adversarial.js';
import { batchMean, meanSquaredError } from '../../losses/reconstruction.js';
import { reparameterise } from '../common/gaussian-vae.js';
import { ConvVae } from '../conv-vae/model.js';
import type { AutoencoderModel, Batch, Codes, PhaseSpec, Terms } from '../types.js';
import type { VaeganConfig } from './config.js';

export class Vaegan implements AutoencoderModel {
  readonly family = 'vaegan';
  readonly numClasses = 0;
  readonly trainTerms: readonly string[] = ['loss', 'kl', 'feature_recon'];
  readonly phases: readonly PhaseSpec[];
  /** The encoder and decoder (parameter groups `enc` and `dec`). */
  readonly vae: ConvVae;
  /** The discriminator's conv layers on the images. */
  readonly discPlan: ConvPlan;

  constructor(readonly config: VaeganConfig) {
    const { family: _family, discConv, gamma: _gamma, discLrScale, ...vae } = config;
    this.vae = new ConvVae(vae, 0, 1, 'vaegan');
    this.discPlan = planConvStack(this.vae.net.image, { channels: discConv ?? config.conv, kernel: config.kernel, stride: config.stride });
    this.phases = [
      { name: 'enc', loss: 'loss', groups: ['enc'], terms: ['loss', 'kl', 'feature_recon'] },
      { name: 'dec', loss: 'dec_loss', groups: ['dec'], terms: ['dec_loss', 'gen_loss', 'recon', 'mse'] },
      { name: 'disc', loss: 'disc_loss', groups: ['disc'], terms: ['disc_loss', 'disc_acc'], lrScale: discLrScale, optimizer: { beta1: 0.5 } },
    ];
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  // The conv VAE scopes its parameters `enc.*` and `dec.*`; the unprefixed scopes set their optimizer groups.
  encode(b: Builder, x: Value): Codes {
    return this.vae.encode(b.scope('', 'enc'), x);
  }

  decode(b: Builder, z: Value): Value {
    return this.vae.decode(b.scope('', 'dec'), z);
  }

  samplePrior(b: Builder): Value {
    return this.vae.samplePrior(b);
  }

  logImportanceWeight(b: Builder, x: Value): Value {
    return this.vae.logImportanceWeight(b.scope('', 'enc'), x);
  }

  /** Dis_l(x) [B, c·h·w] and the logit ℓ(x) [B, 1] of images x [B, C, H, W]. */
  discriminate(b: Builder, x: Value): { features: Value; logit: Value } {
    const d = b.scope('disc', 'disc');
    const features = flatten(convStack(d.scope('conv'), x, this.discPlan, { activation: 'leaky_relu', init: this.config.init }));
    return { features, logit: dense(d.scope('out'), features, 1, { init: this.config.init }) };
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.vae.net.asImage(batch.x);
    const enc = b.scope('', 'enc');
    const dec = b.scope('', 'dec');
    const { mu, logVar } = this.vae.encode(enc, x);
    const { z } = reparameterise(b, mu!, logVar!, this.config.latent);
    const raw = this.vae.decodeRaw(dec, z);
    const xTilde = this.vae.link(raw);
    const xPrior = this.vae.link(this.vae.decodeRaw(dec, this.samplePrior(b)));
    const real = this.discriminate(b, x);
    const recon = this.discriminate(b, xTilde);
    const prior = this.discriminate(b, xPrior);
    const kl = batchMean(gaussianKlToStandard(mu!, logVar!));
    const featureRecon = batchMean(op.mul(op.reduceSum(op.square(op.sub(recon.features, real.features)), [1]), 0.5));
    const { beta, gamma, pixelWeight } = this.config;
    const pixelNll = batchMean(this.vae.nll(dec, raw, x));
    const withPixels = (v: Value): Value => (pixelWeight === 0 ? v : op.add(v, op.mul(pixelNll, pixelWeight)));
    const genLoss = batchMean(op.add(generatorLoss(recon.logit), generatorLoss(prior.logit)));
    const discLoss = batchMean(op.add(discriminatorLoss(real.logit, recon.logit), op.reduceSum(op.softplus(prior.logit), [1])));
    // Fraction of the 3B images D classifies correctly (logit > 0 means "real").
    const correct = op.add(
      op.reduceMean(op.cast(op.greater(real.logit, 0), 'float32')),
      op.add(op.reduceMean(op.cast(op.lessOrEqual(recon.logit, 0), 'float32')), op.reduceMean(op.cast(op.lessOrEqual(prior.logit, 0), 'float32'))),
    );
    return {
      loss: withPixels(op.add(beta === 1 ? kl : op.mul(kl, beta), featureRecon)),
      kl,
      feature_recon: featureRecon,
      dec_loss: withPixels(op.add(gamma === 1 ? featureRecon : op.mul(featureRecon, gamma), genLoss)),
      gen_loss: genLoss,
      recon: pixelNll,
      mse: batchMean(meanSquaredError(xTilde, x)),
      disc_loss: discLoss,
      disc_acc: op.div(correct, 3),
    };
  }
}
