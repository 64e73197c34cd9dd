/**
 * Stacked autoencoder (Bengio, Lamblin, Popovici & Larochelle 2007, "Greedy layer-wise
 * training of deep networks"; Vincent et al. 2010, "Stacked denoising autoencoders", JMLR 11):
 *
 *   deep AE     encoder sizes hidden..., latent; mirrored decoder (the `ae` body, `DenseAutoencoder`)
 *               loss = mean_b L(x, dec(enc(x)))  — what the run's epochs fine-tune end to end
 *   layer i     a one-hidden-layer AE from h_{i−1} (h_0 = x) to h_i, trained greedily on the clean
 *               codes of the frozen layers below (see `layerAe`); its encoder becomes `enc.i`, its
 *               decoder the mirrored `dec.(L−1−i)` of the deep AE
 *   head        softmax classifier on the deep encoder's code: ℓ = code(x)·W_head + b_head
 *               (see `StackedHead`), trained on a few labels from the pretrained encoder and,
 *               as the baseline, from scratch
 *
 * The training procedure (pretraining, head) lives in `procedure.ts`; this module only
 * builds graphs.
 */
import type { Value } from '../../graph/graph.js';
import type { Builder } from '../../nn/builder.js';
import { dense } from '../../nn/layers.js';
import { batchMean } from '../../losses/reconstruction.js';
import { correct, softmaxCrossEntropy } from '../classifier/model.js';
import { DenseAutoencoder } from '../common/dense-ae.js';
import { Ae } from '../ae/model.js';
import { daeConfigSchema } from '../dae/config.js';
import { Dae } from '../dae/model.js';
import type { Batch, Terms, TrainableModel } from '../types.js';
import type { StackedConfig } from './config.js';

/**
 * The deep autoencoder that the run fine-tunes end to end (parameters `enc.i.*`, `dec.k.*`):
 * the plain `ae` with the stacked config (it reads no labels; only the supervised head does).
 */
export class StackedAe extends Ae<StackedConfig> {
  override readonly family: string = 'stacked';
}

/** Number of encoder layers L (hidden layers plus the code layer). */
export function depth(config: StackedConfig): number {
  return config.hidden.length + 1;
}

/**
 * The one-hidden-layer AE that pretrains encoder layer i (0-based) of the deep AE: a `dae`
 * with no hidden layers, from the previous layer's width to this layer's, with the deep AE's
 * activations at that place (the code activation for the top layer, the output activation
 * for the bottom layer's decoder, the hidden activation elsewhere). Layer 0 reconstructs x
 * with the deep AE's loss; upper layers reconstruct real-valued codes with squared error
 * (BCE when the hidden activation is a sigmoid). With `denoise` > 0 the input of every
 * layer is masked (each value zeroed with that probability) and the clean input is the target
 * (Vincent et al. 2010, sec. 3.5: corruption only while training that layer).
 */
export function layerAe(config: StackedConfig, i: number): Dae {
  const L = depth(config);
  if (!Number.isInteger(i) || i < 0 || i >= L) throw new RangeError(`layer ${i} is outside [0, ${L})`);
  const sizes = [config.inputShape.reduce((a, b) => a * b, 1), ...config.hidden, config.latent];
  return new Dae(
    daeConfigSchema.parse({
      inputShape: [sizes[i]!],
      hidden: [],
      latent: sizes[i + 1]!,
      activation: config.activation,
      codeActivation: i === L - 1 ? config.codeActivation : config.activation,
      outputActivation: i === 0 ? config.outputActivation : config.activation,
      loss: i === 0 ? config.loss : config.activation === 'sigmoid' ? 'bce' : 'mse',
      tied: config.tied,
      init: config.init,
      corruption: 'masking',
      noiseLevel: config.denoise,
    }),
  );
}

/**
 * The deep AE's name of parameter `name` of layer i's AE: its encoder `enc.0.*` is `enc.i.*`,
 * its decoder `dec.0.*` is the mirrored `dec.(L−1−i).*`.
 */
export function deepParamName(config: StackedConfig, i: number, name: string): string {
  const m = /^(enc|dec)\.0\.(.+)$/.exec(name);
  if (!m) throw new Error(`layer AE parameter ${name} is not enc.0.* or dec.0.*`);
  return m[1] === 'enc' ? `enc.${i}.${m[2]}` : `dec.${depth(config) - 1 - i}.${m[2]}`;
}

/**
 * The supervised head: the deep AE's encoder (the same `enc.i.*` parameters) and a dense
 * softmax layer `head.*` on its code, as the `classifier` family's model:
 *   loss = mean_b −log softmax(ℓ_b)[y_b],  accuracy = mean_b [argmax ℓ_b = y_b].
 * Built with or without pretrained encoder parameters, it is the same network.
 */
export class StackedHead implements TrainableModel {
  readonly family: string = 'stacked.head';
  readonly trainTerms: readonly string[] = ['loss', 'accuracy'];
  readonly net: DenseAutoencoder;

  constructor(readonly config: StackedConfig) {
    if (config.numClasses < 2) throw new RangeError(`the supervised head needs at least 2 classes (got ${config.numClasses})`);
    this.net = new DenseAutoencoder(config);
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get numClasses(): number {
    return this.config.numClasses;
  }

  /** Logits [B, C]. */
  logits(b: Builder, x: Value): Value {
    return dense(b.scope('head'), this.net.encode(b, x).code, this.config.numClasses, { init: this.config.init });
  }

  terms(b: Builder, batch: Batch): Terms {
    const logits = this.logits(b, batch.x);
    return { loss: batchMean(softmaxCrossEntropy(logits, batch.y!)), accuracy: batchMean(correct(logits, batch.y!)) };
  }
}
