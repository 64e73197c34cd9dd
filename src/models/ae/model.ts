/**
 * Vanilla autoencoder: minimise mean_b L(x, dec(enc(x))), L = summed squared error or BCE.
 */
import type { Builder } from '../../nn/builder.js';
import { batchMean } from '../../losses/reconstruction.js';
import type { DenseAeConfig } from '../common/dense-ae.js';
import { DenseAeModel } from '../common/dense-model.js';
import type { Batch, Terms } from '../types.js';
import type { AeConfig } from './config.js';

/** `C`: the config of a family whose model is this AE with more around it (the stacked AE's). */
export class Ae<C extends DenseAeConfig = AeConfig> extends DenseAeModel<C> {
  readonly family: string = 'ae';

  terms(b: Builder, batch: Batch): Terms {
    const x = this.net.flat(batch.x);
    const raw = this.net.decodeRaw(b, this.net.encode(b, x).code);
    const recon = batchMean(this.net.reconstructionLoss(raw, x));
    return { loss: recon, recon, mse: this.net.mse(raw, x) };
  }
}
