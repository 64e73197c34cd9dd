/**
 * The onnxruntime-node back end (native CPU kernels) and the Node adapters' default: the only
 * module under runtime/ that imports onnxruntime-node or `node:`. Workflow functions, the CLI
 * and Node tests fill in `backend` with `nodeRuntime(opts)`.
 */
import os from 'node:os';
import ort from 'onnxruntime-node';
import type { RuntimeBackend, RuntimeSession, SessionSettings } from './backend.js';
import type { RuntimeOptions } from './program.js';

/** onnxruntime-node's Tensor class (the one its sessions accept as pre-allocated outputs). */
export const Tensor = ort.Tensor;
export type Tensor = ort.Tensor;

/** All cores this process may use (`os.availableParallelism()`). */
export function defaultThreads(): number {
  return os.availableParallelism();
}

export const nodeBackend: RuntimeBackend = {
  name: 'node',
  async createSession(model: Uint8Array, s: SessionSettings): Promise<RuntimeSession> {
    return ort.InferenceSession.create(model, {
      intraOpNumThreads: s.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { set_denormal_as_zero: '1', 'intra_op.allow_spinning': s.spin ? '1' : '0' } },
    }) as Promise<RuntimeSession>;
  },
  float32: (data, dims) => new ort.Tensor('float32', data, [...dims]),
  availableThreads: defaultThreads,
};

/** Runtime options whose back end may be left out (Node adapters then use onnxruntime-node). */
export type NodeRuntimeOptions = Omit<RuntimeOptions, 'backend'> & { readonly backend?: RuntimeOptions['backend'] };

/** `threads`, `spin` and `backend` of `opts`, with `backend` defaulting to {@link nodeBackend}. */
export function nodeRuntime(opts: NodeRuntimeOptions = {}): RuntimeOptions {
  return {
    backend: opts.backend ?? nodeBackend,
    ...(opts.threads !== undefined && { threads: opts.threads }),
    ...(opts.spin !== undefined && { spin: opts.spin }),
  };
}
