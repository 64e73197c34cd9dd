/**
 * The runtime back end: what the portable core needs from an ONNX Runtime build, and nothing
 * else. Two implement it: `node.ts` (onnxruntime-node, native CPU kernels) and `web.ts`
 * (onnxruntime-web: wasm with SIMD and threads, WebGPU as an option). The core receives one
 * through `RuntimeOptions.backend` and never imports either.
 *
 * Why tensors come from the back end: onnxruntime-web bundles its own copy of
 * onnxruntime-common, so its `Tensor` class is not the one onnxruntime-node uses, and ORT
 * checks pre-allocated outputs with `instanceof`. Both classes share the onnxruntime-common
 * declarations, so the core types its tensors with that (type-only) `Tensor`.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

export type { Tensor };

/** How a session runs. */
export interface SessionSettings {
  /** Intra-op threads (>= 1). A back end may use fewer (see `RuntimeBackend.availableThreads`). */
  readonly threads: number;
  /** Let idle intra-op threads busy-wait between operators (see `RuntimeOptions.spin`). */
  readonly spin: boolean;
}

/**
 * An open session on one model: named inputs and outputs, `run` with optional pre-allocated
 * outputs (`fetches`: a tensor per output name is written in place and returned as the same
 * object; `null` lets the session allocate), and `release`.
 */
export type RuntimeSession = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'release'> & {
  run(feeds: Readonly<Record<string, Tensor>>, fetches?: Readonly<Record<string, Tensor | null>>): Promise<Record<string, Tensor>>;
};

export interface RuntimeBackend {
  /** Short label for messages and benches, e.g. `node`, `web-wasm`, `web-webgpu`. */
  readonly name: string;
  /** Opens a session on serialized ONNX `ModelProto` bytes. */
  createSession(model: Uint8Array, settings: SessionSettings): Promise<RuntimeSession>;
  /** A float32 tensor of this back end's own Tensor class viewing `data` (no copy), shape `dims`. */
  float32(data: Float32Array, dims: readonly number[]): Tensor;
  /** Threads a session can use here: all cores in Node; in a page, 1 unless it is cross-origin isolated. */
  availableThreads(): number;
}
