/**
 * Training data read from a file in windows instead of held whole ("streaming"), and the
 * seeded, seekable order in which one epoch visits its rows.
 *
 * The portable half: the trainer sees a StreamingData (`data/streaming-data.ts`: row blocks plus a
 * RowReader); the reader that touches files lives in `data/stream/`.
 *
 * ## Order of one epoch
 * The training rows are split into blocks of `blockRows` consecutive file rows (the last
 * block of a range may be shorter). With B blocks and W = `windowBlocks`:
 * 1. π = a permutation of the B blocks, drawn from the trainer's data generator;
 * 2. window k holds the blocks π[kW .. (k+1)W), their rows concatenated (m_k rows);
 * 3. the rows of window k are visited in the order σ_k = a uniform permutation of m_k
 *    drawn from `new Rng(`${key}:${k}`)`, where `key` is one more draw from the data
 *    generator right after π.
 * Every row is visited exactly once per epoch; epoch position p lies in the window k with
 * start_k ≤ p < start_{k+1}, at row σ_k[p − start_k] of the window's storage. The whole order
 * is a function of the data generator's state at the start of the epoch, so a resume needs
 * only that state and the step in the epoch: it re-reads the current window and skips the
 * rows already used.
 *
 * ## Shuffle quality (the trade-off)
 * A full permutation makes every batch a uniform sample of the whole set. Here a batch is a
 * uniform sample of one window: N = W · blockRows rows (the shuffle buffer) made of W blocks
 * chosen at random. Rows from the same block of the file always share a window, so whatever
 * order the file has inside a block (e.g. rows sorted by class) survives at the scale of a
 * block: a window mixes W random blocks, not N random rows. With W ≫ (number of classes or
 * other clusters) a window is a good mixture; with W = 1 batches see one block's rows only.
 * Over an epoch the gradient stays unbiased (each row once). Memory: at most two windows of
 * raw rows (2 · N · rowBytes) plus the batch buffers.
 */
import type { StreamingData } from '../data/streaming-data.js';
import { Rng } from '../nn/rng.js';

export { cutBlocks, isStreaming, type RowRange, type RowReader, type StreamingData } from '../data/streaming-data.js';

/** Where a streamed epoch stands: the window and the offset in it of the next row, and the window key. */
export interface StreamPosition {
  readonly blockRows: number;
  readonly windowBlocks: number;
  readonly window: number;
  readonly offset: number;
  readonly key: number;
}

interface Slot {
  /** The window held (or being read), −1 when free. */
  window: number;
  /** Whether `loading` has been awaited since the window was assigned (its rows may be used). */
  ready: boolean;
  readonly bytes: Uint8Array;
  readonly labels: Int32Array | null;
  order: Int32Array;
  loading: Promise<void>;
}

const ignore = (): void => undefined;

/**
 * One epoch over a {@link StreamingData} in the order described above. Rows are gathered in
 * epoch order by {@link gather}; windows are loaded on demand into two reused buffers, the
 * next window being read in the background while the current one is used.
 */
export class StreamEpoch {
  /** start[k] = epoch position of window k's first row; start[windows] = n. */
  private readonly start: number[] = [0];
  private readonly slots: Slot[];
  private readonly dim: number;

  private constructor(
    readonly data: StreamingData,
    private readonly blockOrder: Int32Array,
    readonly key: number,
  ) {
    const W = data.windowBlocks;
    let capacity = 0;
    for (let k = 0; k * W < blockOrder.length; k++) {
      let rows = 0;
      for (let j = k * W; j < Math.min((k + 1) * W, blockOrder.length); j++) rows += data.blocks[blockOrder[j]!]!.count;
      this.start.push(this.start[k]! + rows);
      capacity = Math.max(capacity, rows);
    }
    const rb = data.reader.rowBytes;
    this.slots = [0, 1].map(() => ({
      window: -1,
      ready: false,
      bytes: new Uint8Array(capacity * rb),
      labels: data.reader.labelled ? new Int32Array(capacity) : null,
      order: new Int32Array(0),
      loading: Promise.resolve(),
    }));
    this.dim = data.sampleShape.reduce((a, b) => a * b, 1);
  }

  /** The epoch's order drawn from `rng` (the trainer's data generator): π over the blocks, then the window key. */
  static draw(data: StreamingData, rng: Rng): StreamEpoch {
    const blockOrder = rng.permutation(data.blocks.length);
    return new StreamEpoch(data, blockOrder, rng.uniform());
  }

  get windows(): number {
    return this.start.length - 1;
  }

  /** The window holding epoch position `p` (0 ≤ p < n). */
  windowOf(p: number): number {
    let lo = 0;
    let hi = this.windows - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.start[mid]! <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Position of epoch row `p` as window and offset (what a checkpoint records). */
  position(p: number): StreamPosition {
    const window = p >= this.data.n ? this.windows : this.windowOf(p);
    return { blockRows: this.data.blockRows, windowBlocks: this.data.windowBlocks, window, offset: p - (this.start[window] ?? this.data.n), key: this.key };
  }

  /** Windows currently held in memory (loaded or loading): never more than two. */
  get heldWindows(): number[] {
    return this.slots.filter((s) => s.window >= 0).map((s) => s.window);
  }

  /** Assigns window k to `slot` and reads it after any read still in flight on the slot's buffer. */
  private load(slot: Slot, k: number): void {
    slot.window = k;
    slot.ready = false;
    slot.loading = slot.loading.catch(ignore).then(() => this.read(slot, k));
    // A background read that fails is reported when its window is awaited, not as an unhandled rejection.
    slot.loading.catch(ignore);
  }

  private async read(slot: Slot, k: number): Promise<void> {
    const W = this.data.windowBlocks;
    const rb = this.data.reader.rowBytes;
    slot.order = new Rng(`${this.key}:${k}`).permutation(this.start[k + 1]! - this.start[k]!);
    const reads: Promise<void>[] = [];
    let at = 0;
    for (let j = k * W; j < Math.min((k + 1) * W, this.blockOrder.length); j++) {
      const block = this.data.blocks[this.blockOrder[j]!]!;
      reads.push(this.data.reader.read(block, slot.bytes.subarray(at * rb, (at + block.count) * rb), slot.labels && slot.labels.subarray(at, at + block.count)));
      at += block.count;
    }
    await Promise.all(reads);
  }

  /**
   * The slot holding window k, loaded. Windows before k are released, and the window after k
   * starts loading into the other buffer (the double buffering).
   */
  private async window(k: number): Promise<Slot> {
    for (const s of this.slots) if (s.window < k) s.window = -1;
    let slot = this.slots.find((s) => s.window === k);
    if (!slot) {
      slot = this.slots.find((s) => s.window === -1)!;
      this.load(slot, k);
    }
    if (k + 1 < this.windows && !this.slots.some((s) => s.window === k + 1)) {
      const other = this.slots.find((s) => s.window === -1);
      if (other) this.load(other, k + 1);
    }
    await slot.loading;
    slot.ready = true;
    return slot;
  }

  /** Copies the rows at epoch positions [p, p + count) into `x` (count · dim values) and their labels into `labels`. */
  async gather(p: number, count: number, x: Float32Array, labels: Int32Array | null): Promise<void> {
    const rb = this.data.reader.rowBytes;
    const d = this.dim;
    let done = 0;
    while (done < count) {
      const k = this.windowOf(p + done);
      const slot = this.slots.find((s) => s.window === k && s.ready) ?? (await this.window(k));
      const base = this.start[k]!;
      const take = Math.min(count - done, this.start[k + 1]! - (p + done));
      for (let i = 0; i < take; i++) {
        const r = slot.order[p + done + i - base]!;
        const out = x.subarray((done + i) * d, (done + i + 1) * d);
        const bad = this.data.reader.decode(slot.bytes.subarray(r * rb, (r + 1) * rb), out);
        if (bad >= 0) throw this.data.reader.invalid(this.fileRow(k, r), bad, out[bad]!);
        if (labels) labels[done + i] = slot.labels![r]!;
      }
      done += take;
    }
  }

  /** The file row stored at row `r` of window k's buffer. */
  private fileRow(k: number, r: number): number {
    const W = this.data.windowBlocks;
    for (let j = k * W; j < Math.min((k + 1) * W, this.blockOrder.length); j++) {
      const block = this.data.blocks[this.blockOrder[j]!]!;
      if (r < block.count) return block.start + r;
      r -= block.count;
    }
    return -1;
  }

  /** Waits for reads still in flight (call before dropping the epoch, e.g. on an error). */
  async settle(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.loading.catch(() => undefined)));
  }
}

