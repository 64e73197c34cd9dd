/**
 * Assembles batch feeds from a dataset: x rows gathered by index into a reused buffer,
 * one-hot labels, and fresh noise for every noise input. Tensors are cached per batch
 * size (at most two sizes per epoch: full and the last partial batch).
 *
 * With `dynamicBinarize`, every batch's x is a fresh draw x̃ ~ Bernoulli(x) elementwise
 * (x̃ = 1 if u < x, u ~ U[0, 1)), the dynamic binarisation of Salakhutdinov & Murray (2008);
 * the draws come from the same generator as the noise, before it, so a resumed run repeats them.
 *
 * Rows come from an in-memory dataset (gathered by index, `fill`) or from a streamed epoch
 * (gathered in its order, `fillStream`); binarisation, labels and noise are the same for both.
 */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { fillNoise, type NoiseSpec } from '../nn/builder.js';
import { UsageError } from '../errors.js';
import type { Rng } from '../nn/rng.js';
import type { RuntimeBackend, Tensor } from '../runtime/backend.js';
import { isStreaming, type StreamEpoch, type StreamingData } from './stream.js';

export interface BatchFeederOptions {
  /** Makes the batch tensors (of the back end whose sessions read them). */
  readonly backend: RuntimeBackend;
  /** Replace each batch's x (values in [0, 1]) by a fresh Bernoulli(x) draw. */
  readonly dynamicBinarize?: boolean;
}

export class BatchFeeder {
  private readonly cache = new Map<number, Record<string, Tensor>>();
  private readonly dim: number;
  /** Whether the rows carry labels (fed to label-conditioned noise, one-hot y). */
  private readonly labelled: boolean;

  constructor(
    readonly dataset: Dataset | StreamingData,
    readonly inputShape: readonly number[],
    readonly numClasses: number,
    readonly noises: readonly NoiseSpec[],
    /** Suffix of the batch input names (`x@2` for step 2 of a chained program). */
    readonly suffix = '',
    readonly options: BatchFeederOptions,
  ) {
    this.dim = sampleSize(dataset);
    const want = inputShape.reduce((a, b) => a * b, 1);
    if (want !== this.dim) throw new UsageError(`data ${dataset.name} has samples of ${this.dim} values; the model expects ${want} (shape ${JSON.stringify(inputShape)})`);
    this.labelled = isStreaming(dataset) ? dataset.reader.labelled : dataset.labels !== undefined;
    if (numClasses > 0 && !this.labelled) throw new UsageError(`data ${dataset.name} has no labels, but this model reads labels`);
  }

  private tensors(count: number): Record<string, Tensor> {
    let t = this.cache.get(count);
    if (!t) {
      t = { [`x${this.suffix}`]: this.options.backend.float32(new Float32Array(count * this.dim), [count, ...this.inputShape]) };
      if (this.numClasses > 0) t[`y${this.suffix}`] = this.options.backend.float32(new Float32Array(count * this.numClasses), [count, this.numClasses]);
      for (const n of this.noises) {
        const per = n.shape.reduce((a, b) => a * b, 1);
        t[n.name] = this.options.backend.float32(new Float32Array(count * per), [count, ...n.shape]);
      }
      this.cache.set(count, t);
    }
    return t;
  }

  private labelBuf: Int32Array = new Int32Array(0);

  private batchLabels(order: Int32Array | null, start: number, count: number): Int32Array {
    if (this.labelBuf.length < count) this.labelBuf = new Int32Array(count);
    const out = this.labelBuf.subarray(0, count);
    const labels = (this.dataset as Dataset).labels!;
    for (let i = 0; i < count; i++) out[i] = labels[order ? order[start + i]! : start + i]!;
    return out;
  }

  /** Feeds for rows `order[start .. start+count)`, with binarisation (if on) and noise drawn from `rng`, in that order. */
  fill(order: Int32Array | null, start: number, count: number, rng: Rng): Record<string, Tensor> {
    const t = this.tensors(count);
    const x = t[`x${this.suffix}`]!.data as Float32Array;
    const src = (this.dataset as Dataset).x;
    const d = this.dim;
    for (let i = 0; i < count; i++) {
      const row = order ? order[start + i]! : start + i;
      x.set(src.subarray(row * d, row * d + d), i * d);
    }
    return this.finish(t, count, this.labelled ? this.batchLabels(order, start, count) : null, rng);
  }

  /** Feeds for the rows at positions [start, start+count) of a streamed epoch, then as {@link fill}. */
  async fillStream(epoch: StreamEpoch, start: number, count: number, rng: Rng): Promise<Record<string, Tensor>> {
    const t = this.tensors(count);
    let labels: Int32Array | null = null;
    if (this.labelled) {
      if (this.labelBuf.length < count) this.labelBuf = new Int32Array(count);
      labels = this.labelBuf.subarray(0, count);
    }
    await epoch.gather(start, count, t[`x${this.suffix}`]!.data as Float32Array, labels);
    return this.finish(t, count, labels, rng);
  }

  /** Binarisation (if on), one-hot labels and noise for a batch whose x (and labels) are in place. */
  private finish(t: Record<string, Tensor>, count: number, labels: Int32Array | null, rng: Rng): Record<string, Tensor> {
    const x = t[`x${this.suffix}`]!.data as Float32Array;
    const d = this.dim;
    if (this.options.dynamicBinarize) {
      for (let i = 0; i < count * d; i++) x[i] = rng.uniform() < x[i]! ? 1 : 0;
    }
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
