/**
 * A compiled program: one ONNX Runtime session over an emitted graph, with named I/O, on the
 * back end named by `RuntimeOptions.backend` (runtime/node.ts or runtime/web.ts).
 *
 * `run` takes feeds by input name and, optionally, pre-allocated output tensors by output
 * name; the results are written straight into those buffers (no allocation per call).
 * Threads default to what the back end has (`RuntimeBackend.availableThreads`).
 */
import type { Value } from '../graph/graph.js';
import { emitModel, type EmitOptions } from '../onnx/emit.js';
import type { RuntimeBackend, RuntimeSession, Tensor } from './backend.js';

export type { RuntimeBackend, Tensor };

export interface RuntimeOptions {
  /** The ONNX Runtime build that runs the programs (Node: runtime/node.ts; a page: runtime/web.ts). */
  readonly backend: RuntimeBackend;
  /** Intra-op threads; default `backend.availableThreads()`. */
  readonly threads?: number;
  /**
   * Let idle intra-op threads busy-wait for the next operator (ONNX Runtime's
   * `session.intra_op.allow_spinning`); default false: they sleep until woken. A training
   * step runs ~200 operators, and with spinning the helper threads burn a core between
   * them. On a machine whose cores are shared (here: 2 cores, several processes), that
   * spinning takes time slices from the thread doing the work: the reference VAE's
   * `latentkit train --epochs 3` ran 2.0× faster without it at load 5–10, on 40% less CPU
   * (bench/e2e.mjs, whole processes, interleaved).
   */
  readonly spin?: boolean;
}

export class Program {
  private constructor(
    private readonly session: RuntimeSession,
    readonly name: string,
    readonly modelBytes: Uint8Array,
    readonly backend: RuntimeBackend,
  ) {}

  /** Emits the sub-graph for `outputs` and opens an ORT session on it. */
  static async compile(
    name: string,
    outputs: Readonly<Record<string, Value>>,
    opts: RuntimeOptions & EmitOptions,
  ): Promise<Program> {
    const bytes = emitModel(outputs, { ...opts, name });
    const threads = opts.threads ?? opts.backend.availableThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer (got ${threads})`);
    const session = await opts.backend.createSession(bytes, { threads, spin: opts.spin ?? false });
    return new Program(session, name, bytes, opts.backend);
  }

  /** A float32 tensor of this program's back end viewing `data`, shape `dims`. */
  tensor(data: Float32Array, dims: readonly number[]): Tensor {
    return this.backend.float32(data, dims);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Runs once. Feeds must cover every input; `into` may pre-allocate any subset of the
   * outputs (those are written in place and returned as the same Tensor objects).
   */
  async run(feeds: Readonly<Record<string, Tensor>>, into?: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    const missing = this.inputNames.filter((n) => !(n in feeds));
    if (missing.length) throw new Error(`program ${this.name}: missing inputs ${missing.join(', ')}`);
    const subset: Record<string, Tensor> = {};
    for (const n of this.inputNames) subset[n] = feeds[n]!;
    if (!into) return this.session.run(subset);
    const fetches: Record<string, Tensor | null> = {};
    for (const n of this.outputNames) fetches[n] = into[n] ?? null;
    return this.session.run(subset, fetches);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
