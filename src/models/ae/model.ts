/**
 * Vanilla autoencoder: minimise mean_b L(x, dec(enc(x))), L = summed squared error or BCE.
 */
import type { Value } from '../../graph/graph.js';
import type { Builder } from '../../nn/builder.js';
import { batchMean } from '../../losses/reconstruction.js';
import { DenseAutoencoder } from '../common/dense-ae.js';
import type { AutoencoderModel, Batch, Codes, Terms } from '../types.js';
import type { AeConfig } from './config.js';

export class Ae implements AutoencoderModel {
  readonly family: string = 'ae';
  readonly numClasses: number = 0;
  readonly trainTerms: readonly string[] = ['loss', 'recon', 'mse'];
  readonly net: DenseAutoencoder;

  constructor(readonly config: AeConfig) {
    this.net = new DenseAutoencoder(config);
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get latentDim(): number {
    return this.config.latent;
  }

  encode(b: Builder, x: Value): Codes {
    return { z: this.net.encode(b, x).code };
  }

  decode(b: Builder, z: Value): Value {
    return this.net.decode(b, z);
  }

  samplePrior(b: Builder): Value {
    return b.noise('prior', [this.config.latent]);
  }

  terms(b: Builder, batch: Batch): Terms {
    const x = this.net.flat(batch.x);
    const raw = this.net.decodeRaw(b, this.net.encode(b, x).code);
    const recon = batchMean(this.net.reconstructionLoss(raw, x));
    return { loss: recon, recon, mse: this.net.mse(raw, x) };
  }
}
