/**
 * A compiled program: one ONNX Runtime session over an emitted graph, with named I/O.
 *
 * `run` takes feeds by input name and, optionally, pre-allocated output tensors by output
 * name; ONNX Runtime then writes results straight into those buffers (no allocation per
 * call). Threads default to all cores (`os.availableParallelism()`).
 */
import os from 'node:os';
import ort from 'onnxruntime-node';
import type { Value } from '../graph/graph.js';
import { emitModel, type EmitOptions } from '../onnx/emit.js';

export type Tensor = ort.Tensor;
export const Tensor = ort.Tensor;

export interface RuntimeOptions {
  /** Intra-op threads; default all cores. */
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

export function defaultThreads(): number {
  return os.availableParallelism();
}

export class Program {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly name: string,
    readonly modelBytes: Uint8Array,
  ) {}

  /** Emits the sub-graph for `outputs` and opens an ORT session on it. */
  static async compile(
    name: string,
    outputs: Readonly<Record<string, Value>>,
    opts: RuntimeOptions & EmitOptions = {},
  ): Promise<Program> {
    const bytes = emitModel(outputs, { ...opts, name });
    const threads = opts.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer (got ${threads})`);
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { set_denormal_as_zero: '1', 'intra_op.allow_spinning': opts.spin ? '1' : '0' } },
    });
    return new Program(session, name, bytes);
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
    if (!into) return (await this.session.run(subset)) as Record<string, Tensor>;
    const fetches: Record<string, Tensor | null> = {};
    for (const n of this.outputNames) fetches[n] = into[n] ?? null;
    return (await this.session.run(subset, fetches)) as Record<string, Tensor>;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
