/**
 * Named float32 state tensors (parameters, optimizer state) held twice and ping-ponged:
 * a training step reads each tensor from its `current` side while ORT writes the updated
 * value straight into its `next` side; `swap(names)` flips the sides of the tensors that
 * step rewrote (a multi-phase step updates a different subset in each phase). No buffer
 * is allocated after construction; the feed and fetch maps are kept up to date in place.
 */
import type { RuntimeBackend, Tensor } from './backend.js';

export interface BufferSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Output name under which a program returns the updated value of state tensor `name`. */
export const nextName = (name: string): string => `next:${name}`;

export class PingPongBuffers {
  private readonly pairs = new Map<string, [Tensor, Tensor]>();
  private readonly side = new Map<string, 0 | 1>();
  private readonly feedMap: Record<string, Tensor> = {};
  private readonly fetchMap: Record<string, Tensor> = {};

  constructor(
    readonly specs: readonly BufferSpec[],
    /** Makes the tensors (of the back end whose sessions will write into them). */
    backend: RuntimeBackend,
  ) {
    for (const s of specs) {
      if (this.pairs.has(s.name)) throw new Error(`state tensor ${s.name} declared twice`);
      const n = s.shape.reduce((a, b) => a * b, 1);
      const pair: [Tensor, Tensor] = [backend.float32(new Float32Array(n), s.shape), backend.float32(new Float32Array(n), s.shape)];
      this.pairs.set(s.name, pair);
      this.side.set(s.name, 0);
      this.feedMap[s.name] = pair[0];
      this.fetchMap[nextName(s.name)] = pair[1];
    }
  }

  has(name: string): boolean {
    return this.pairs.has(name);
  }

  /** The current value of `name` (a live view: copy it if you keep it past the next step). */
  get(name: string): Float32Array {
    const t = this.feedMap[name];
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
    return this.feedMap;
  }

  /** The `next` sides, keyed by `next:<name>`, to pass as pre-allocated outputs. */
  fetches(): Readonly<Record<string, Tensor>> {
    return this.fetchMap;
  }

  /** Makes the `next` side of each named tensor current (all tensors when omitted). */
  swap(names: Iterable<string> = this.pairs.keys()): void {
    for (const name of names) {
      const pair = this.pairs.get(name);
      if (!pair) throw new Error(`no state tensor named ${name}`);
      const s = this.side.get(name) === 0 ? 1 : 0;
      this.side.set(name, s);
      this.feedMap[name] = pair[s];
      this.fetchMap[nextName(name)] = pair[1 - s]!;
    }
  }

  /** Copies of all current values, e.g. for a checkpoint. */
  snapshot(): Record<string, { data: Float32Array; shape: readonly number[] }> {
    const out: Record<string, { data: Float32Array; shape: readonly number[] }> = {};
    for (const s of this.specs) out[s.name] = { data: this.get(s.name).slice(), shape: s.shape };
    return out;
  }
}
