/**
 * Assembles batch feeds from a dataset: x rows gathered by index into a reused buffer,
 * one-hot labels, and fresh noise for every noise input. Tensors are cached per batch
 * size (at most two sizes per epoch: full and the last partial batch).
 *
 * With `dynamicBinarize`, every batch's x is a fresh draw x̃ ~ Bernoulli(x) elementwise
 * (x̃ = 1 if u < x, u ~ U[0, 1)), the dynamic binarisation of Salakhutdinov & Murray (2008);
 * the draws come from the same generator as the noise, before it, so a resumed run repeats them.
 */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { fillNoise, type NoiseSpec } from '../nn/builder.js';
import { UsageError } from '../errors.js';
import type { Rng } from '../nn/rng.js';
import { Tensor } from '../runtime/program.js';

export interface BatchFeederOptions {
  /** Replace each batch's x (values in [0, 1]) by a fresh Bernoulli(x) draw. */
  readonly dynamicBinarize?: boolean;
}

export class BatchFeeder {
  private readonly cache = new Map<number, Record<string, Tensor>>();
  private readonly dim: number;

  constructor(
    readonly dataset: Dataset,
    readonly inputShape: readonly number[],
    readonly numClasses: number,
    readonly noises: readonly NoiseSpec[],
    /** Suffix of the batch input names (`x@2` for step 2 of a chained program). */
    readonly suffix = '',
    readonly options: BatchFeederOptions = {},
  ) {
    this.dim = sampleSize(dataset);
    const want = inputShape.reduce((a, b) => a * b, 1);
    if (want !== this.dim) throw new UsageError(`data ${dataset.name} has samples of ${this.dim} values; the model expects ${want} (shape ${JSON.stringify(inputShape)})`);
    if (numClasses > 0 && !dataset.labels) throw new UsageError(`data ${dataset.name} has no labels, but this model reads labels`);
  }

  private tensors(count: number): Record<string, Tensor> {
    let t = this.cache.get(count);
    if (!t) {
      t = { [`x${this.suffix}`]: new Tensor('float32', new Float32Array(count * this.dim), [count, ...this.inputShape]) };
      if (this.numClasses > 0) t[`y${this.suffix}`] = new Tensor('float32', new Float32Array(count * this.numClasses), [count, this.numClasses]);
      for (const n of this.noises) {
        const per = n.shape.reduce((a, b) => a * b, 1);
        t[n.name] = new Tensor('float32', new Float32Array(count * per), [count, ...n.shape]);
      }
      this.cache.set(count, t);
    }
    return t;
  }

  private labelBuf: Int32Array = new Int32Array(0);

  private batchLabels(order: Int32Array | null, start: number, count: number): Int32Array {
    if (this.labelBuf.length < count) this.labelBuf = new Int32Array(count);
    const out = this.labelBuf.subarray(0, count);
    for (let i = 0; i < count; i++) out[i] = this.dataset.labels![order ? order[start + i]! : start + i]!;
    return out;
  }

  /** Feeds for rows `order[start .. start+count)`, with binarisation (if on) and noise drawn from `rng`, in that order. */
  fill(order: Int32Array | null, start: number, count: number, rng: Rng): Record<string, Tensor> {
    const t = this.tensors(count);
    const x = t[`x${this.suffix}`]!.data as Float32Array;
    const src = this.dataset.x;
    const d = this.dim;
    for (let i = 0; i < count; i++) {
      const row = order ? order[start + i]! : start + i;
      x.set(src.subarray(row * d, row * d + d), i * d);
    }
    if (this.options.dynamicBinarize) {
      for (let i = 0; i < count * d; i++) x[i] = rng.uniform() < x[i]! ? 1 : 0;
    }
    const labels = this.dataset.labels ? this.batchLabels(order, start, count) : null;
    if (this.numClasses > 0) {
      const y = t[`y${this.suffix}`]!.data as Float32Array;
      y.fill(0);
      for (let i = 0; i < count; i++) y[i * this.numClasses + labels![i]!] = 1;
    }
    for (const n of this.noises) {
      const buf = t[n.name]!.data as Float32Array;
      fillNoise(n, rng, buf, count, labels);
    }
    return t;
  }
}
