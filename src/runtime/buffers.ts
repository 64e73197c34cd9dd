/**
 * Named float32 state tensors (parameters, optimizer state) held twice and ping-ponged:
 * a training step reads every tensor from the `current` side and ORT writes the updated
 * values straight into the `next` side; `swap()` flips the sides. No buffer is allocated
 * after construction, and the feed/fetch maps for both sides are built once.
 */
import { Tensor } from './program.js';

export interface BufferSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Output name under which a program returns the updated value of state tensor `name`. */
export const nextName = (name: string): string => `next:${name}`;

export class PingPongBuffers {
  private readonly sides: [Map<string, Tensor>, Map<string, Tensor>] = [new Map(), new Map()];
  private readonly feedMaps: [Record<string, Tensor>, Record<string, Tensor>] = [{}, {}];
  private readonly fetchMaps: [Record<string, Tensor>, Record<string, Tensor>] = [{}, {}];
  private side: 0 | 1 = 0;

  constructor(readonly specs: readonly BufferSpec[]) {
    for (const s of specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      for (const k of [0, 1] as const) {
        const t = new Tensor('float32', new Float32Array(n), [...s.shape]);
        this.sides[k].set(s.name, t);
        this.feedMaps[k][s.name] = t;
        this.fetchMaps[1 - k]![nextName(s.name)] = t;
      }
    }
  }

  has(name: string): boolean {
    return this.sides[0].has(name);
  }

  /** The current value of `name` (a live view: copy it if you keep it past the next step). */
  get(name: string): Float32Array {
    const t = this.sides[this.side].get(name);
    if (!t) throw new Error(`no state tensor named ${name}`);
    return t.data as Float32Array;
  }

  /** Overwrites the current value of `name`. */
  set(name: string, data: Float32Array): void {
    const dst = this.get(name);
    if (dst.length !== data.length) throw new Error(`state tensor ${name}: expected ${dst.length} values, got ${data.length}`);
    dst.set(data);
  }

  /** Current tensors by name, to spread into a program's feeds. */
  feeds(): Readonly<Record<string, Tensor>> {
    return this.feedMaps[this.side];
  }

  /** The `next` side, keyed by `next:<name>`, to pass as pre-allocated outputs. */
  fetches(): Readonly<Record<string, Tensor>> {
    return this.fetchMaps[this.side];
  }

  swap(): void {
    this.side = this.side === 0 ? 1 : 0;
  }

  /** Copies of all current values, e.g. for a checkpoint. */
  snapshot(): Record<string, { data: Float32Array; shape: readonly number[] }> {
    const out: Record<string, { data: Float32Array; shape: readonly number[] }> = {};
    for (const s of this.specs) out[s.name] = { data: this.get(s.name).slice(), shape: s.shape };
    return out;
  }
}
