/**
 * A softmax classifier (MLP → logits → softmax cross-entropy). Used as the supervised head
 * of the stacked autoencoder and by tests that check generated samples' classes.
 *   loss = mean_b −log softmax(ℓ_b)[y_b],  accuracy = mean_b [argmax ℓ_b = y_b]
 */
import { z } from 'zod';
import type { Value } from '../../graph/graph.js';
import * as op from '../../graph/ops.js';
import type { Builder } from '../../nn/builder.js';
import { type Activation, ACTIVATIONS, mlp } from '../../nn/layers.js';
import { batchMean } from '../../losses/reconstruction.js';
import type { Batch, Terms, TrainableModel } from '../types.js';

export const classifierConfigSchema = z
  .object({
    family: z.literal('classifier').default('classifier'),
    inputShape: z.array(z.number().int().positive()).min(1).default([784]),
    hidden: z.array(z.number().int().positive()).default([256]),
    activation: z.enum(ACTIVATIONS as unknown as [Activation, ...Activation[]]).default('relu'),
    numClasses: z.number().int().min(2).default(10),
    init: z.enum(['torch', 'he', 'glorot']).default('torch'),
    /** Parameter scope of the MLP (a stacked AE's head reuses its encoder scope `enc`). */
    scope: z.string().default('clf'),
  })
  .strict();
export type ClassifierConfig = Readonly<z.infer<typeof classifierConfigSchema>>;

/** −log softmax(ℓ)[y] per sample [B], from logits ℓ [B, C] and one-hot y [B, C]. */
export function softmaxCrossEntropy(logits: Value, y: Value): Value {
  return op.neg(op.reduceSum(op.mul(op.logSoftmax(logits, 1), y), [1]));
}

/** 1 where the arg-max of ℓ is the labelled class, else 0, per sample [B]. */
export function correct(logits: Value, y: Value): Value {
  const isMax = op.cast(op.equal(logits, op.reduceMax(logits, [1], true)), 'float32');
  return op.reduceSum(op.mul(isMax, y), [1]);
}

export class Classifier implements TrainableModel {
  readonly family = 'classifier';
  readonly trainTerms = ['loss', 'accuracy'] as const;

  constructor(readonly config: ClassifierConfig) {}

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get numClasses(): number {
    return this.config.numClasses;
  }

  /** Logits [B, C]. */
  logits(b: Builder, x: Value): Value {
    const d = this.config.inputShape.reduce((p, q) => p * q, 1);
    const flat = x.rank === 2 ? x : op.reshape(x, ['B', d]);
    return mlp(b.scope(this.config.scope), flat, [...this.config.hidden, this.config.numClasses], { activation: this.config.activation, init: this.config.init });
  }

  terms(b: Builder, batch: Batch): Terms {
    const logits = this.logits(b, batch.x);
    return { loss: batchMean(softmaxCrossEntropy(logits, batch.y!)), accuracy: batchMean(correct(logits, batch.y!)) };
  }
}
