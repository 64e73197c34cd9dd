/**
 * The onnxruntime-web back end: ONNX Runtime compiled to WebAssembly (SIMD, and threads when
 * the page is cross-origin isolated), with WebGPU as an option where the browser has it. It
 * imports onnxruntime-web's default build (wasm + WebGPU through JSEP), whose runtime files
 * ({@link WEB_RUNTIME_FILES}) the page serves itself from `wasmPaths`: nothing comes from a CDN.
 *
 * Threads: wasm threads need SharedArrayBuffer, which a page only gets when it is
 * cross-origin isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`). Without that the back end runs on one
 * thread and says so in `threadsNote`, for the page to show.
 *
 * Pre-allocated outputs: onnxruntime-web (1.30) copies a pre-allocated CPU output into the
 * wasm heap, lets ORT write there and does not copy the result back into the caller's array.
 * The session here therefore runs with ORT-allocated outputs and copies each into the
 * caller's tensor, which keeps `Program.run`'s contract (outputs written in place, the same
 * Tensor objects returned) on both back ends.
 */
import * as ort from 'onnxruntime-web';
import type { RuntimeBackend, RuntimeSession, SessionSettings, Tensor } from './backend.js';

/** onnxruntime-web's runtime files (in its `dist/`) that the page must serve from `wasmPaths`. */
export const WEB_RUNTIME_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'] as const;

export type WebDevice = 'wasm' | 'webgpu';

export interface WebBackendOptions {
  /** URL of the folder (ending in `/`) serving {@link WEB_RUNTIME_FILES}; default: ORT's own lookup beside its script. */
  readonly wasmPaths?: string;
  /** Wasm threads wanted; default {@link defaultWebThreads}. One without cross-origin isolation. */
  readonly threads?: number;
  /** `wasm` (default) or `webgpu` (operators WebGPU lacks run on wasm; no adapter: plain wasm, said in `deviceNote`). */
  readonly device?: WebDevice;
}

export interface WebBackend extends RuntimeBackend {
  /** Where the operators run. */
  readonly device: WebDevice;
  /** Wasm threads in use (the size of ORT's thread pool). */
  readonly threads: number;
  /** Whether the page is cross-origin isolated (wasm threads possible). */
  readonly crossOriginIsolated: boolean;
  /** Set when the page is not cross-origin isolated (wasm then runs single-threaded), for the page to show. */
  readonly threadsNote: string | undefined;
  /** Set when WebGPU was asked for but is not available (then `device` is `wasm`). */
  readonly deviceNote: string | undefined;
}

/**
 * onnxruntime-web's own default pool size, min(4, ⌈cores / 2⌉): the page's main thread (or
 * worker) and the browser need cores too. On 2 cores that is 1 thread, and there the reference
 * VAE trained 2× faster on 1 wasm thread than on 2 in headless Chromium, loaded or quiet
 * (2,600 vs 1,240 samples/s at load 7.5; 5,940 vs 2,882 at load 2; bench/browser-train.mjs).
 */
export function defaultWebThreads(cores: number): number {
  return Math.min(4, Math.ceil(Math.max(1, cores) / 2));
}

interface Gpu {
  requestAdapter(): Promise<unknown>;
}

/**
 * The onnxruntime-web back end. ORT-web's wasm settings are global and fixed when its first
 * session opens, so a page makes one back end (later ones share the first one's threads).
 */
export async function createWebBackend(opts: WebBackendOptions = {}): Promise<WebBackend> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
  const wanted = opts.threads ?? defaultWebThreads(cores);
  if (!Number.isInteger(wanted) || wanted < 1) throw new RangeError(`threads must be a positive integer (got ${wanted})`);
  const threads = isolated ? wanted : 1;
  const threadsNote = isolated ? undefined : 'the page is not cross-origin isolated, so wasm runs single-threaded (serve it with COOP: same-origin and COEP: require-corp for threads)';

  let device: WebDevice = 'wasm';
  let deviceNote: string | undefined;
  if (opts.device === 'webgpu') {
    const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    if (adapter) device = 'webgpu';
    else deviceNote = gpu ? 'WebGPU has no adapter here; running on wasm' : 'this browser has no WebGPU; running on wasm';
  }

  if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const executionProviders = device === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];

  return {
    name: `web-${device}`,
    device,
    threads,
    crossOriginIsolated: isolated,
    threadsNote,
    deviceNote,
    async createSession(model: Uint8Array, s: SessionSettings): Promise<RuntimeSession> {
      const session = await ort.InferenceSession.create(model, {
        executionProviders,
        intraOpNumThreads: Math.min(s.threads, threads),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        extra: { session: { set_denormal_as_zero: '1', 'intra_op.allow_spinning': s.spin ? '1' : '0' } },
      });
      return copyingOutputs(session);
    },
    float32: (data, dims) => new ort.Tensor('float32', data, [...dims]),
    availableThreads: () => threads,
  };
}

/** `session` with pre-allocated outputs honoured by copying ORT's results into them. */
function copyingOutputs(session: ort.InferenceSession): RuntimeSession {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    release: () => session.release(),
    async run(feeds, fetches) {
      const out = (await session.run(feeds as Record<string, ort.Tensor>)) as Record<string, Tensor>;
      if (!fetches) return out;
      for (const [name, into] of Object.entries(fetches)) {
        if (!into) continue;
        const got = out[name];
        if (!got) throw new Error(`onnxruntime-web returned no output ${name}`);
        const src = got.data as Float32Array;
        const dst = into.data as Float32Array;
        if (src.length !== dst.length) throw new Error(`output ${name}: ${src.length} values for a buffer of ${dst.length}`);
        dst.set(src);
        out[name] = into;
      }
      return out;
    },
  };
}
