/**
 * The model shell shared by the dense autoencoder families (ae, dae, sparse, cae, stacked):
 * the encoder's code is `z`, the decoder mirrors it, and prior samples are N(0, I) draws.
 * A family extends it with its own `terms` (its training objective and metrics).
 */
import type { Value } from '../../graph/graph.js';
import type { Builder } from '../../nn/builder.js';
import type { AutoencoderModel, Batch, Codes, Terms } from '../types.js';
import { type DenseAeConfig, DenseAutoencoder } from './dense-ae.js';

export abstract class DenseAeModel<C extends DenseAeConfig> implements AutoencoderModel {
  abstract readonly family: string;
  readonly numClasses: number = 0;
  readonly trainTerms: readonly string[] = ['loss', 'recon', 'mse'];
  readonly net: DenseAutoencoder;

  constructor(readonly config: C) {
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

  abstract terms(b: Builder, batch: Batch): Terms;
}
