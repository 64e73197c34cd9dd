/**
 * The run's exported encoder and decoder (src/workflow/export-run.ts) in onnxruntime-web's
 * wasm backend. The runtime files are served from `ort/` beside the page (copied there at
 * build time; see web/vite.config.ts). Threads: `?threads=N` (default 1: a single decode of
 * a small model is dominated by per-call overhead that more threads only add to; multi-threaded
 * wasm needs the cross-origin isolation headers the server sends).
 *
 *   decoder: z [B, k] (, y [B, C] one-hot) → xhat [B, ...inputShape]
 *   encoder: x [B, ...inputShape] (, y [B, C]) → z (and mu, logVar for VAEs)
 */
import * as ort from 'onnxruntime-web/wasm';
import type { ExploreManifest } from '../../src/workflow/explore-manifest.js';
import { fetchBytes } from './bundle.js';

export interface Model {
  /** Whether the decoder / encoder take the one-hot label `y` (a conditional AAE's take none: only its discriminator and prior see labels). */
  readonly decoderTakesLabels: boolean;
  readonly encoderTakesLabels: boolean;
  /** Decodes n codes (n × k) with class labels (conditional models); returns xhat (n × D) and the run time in ms. */
  decode(z: Float32Array, n: number, labels?: Int32Array): Promise<{ xhat: Float32Array; ms: number }>;
  /** Encodes n rows of x (n × D, after preprocessing); returns every encoder output. */
  encode(x: Float32Array, n: number, labels?: Int32Array): Promise<Record<string, Float32Array>>;
}

/** Thrown when the model cannot be loaded or run; the page shows its message. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}

function oneHot(labels: Int32Array | undefined, n: number, c: number): ort.Tensor | null {
  if (c === 0) return null;
  const y = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const l = labels?.[i] ?? 0;
    if (!(Number.isInteger(l) && l >= 0 && l < c)) throw new ModelError(`label ${l} is outside [0, ${c})`);
    y[i * c + l] = 1;
  }
  return new ort.Tensor('float32', y, [n, c]);
}

export async function loadModel(m: ExploreManifest): Promise<Model> {
  const params = new URLSearchParams(location.search);
  ort.env.wasm.wasmPaths = new URL('ort/', document.baseURI).href;
  ort.env.wasm.numThreads = Math.max(1, Number(params.get('threads') ?? 1) || 1);
  ort.env.logLevel = 'error';
  const open = async (file: string): Promise<ort.InferenceSession> => {
    const bytes = await fetchBytes(file);
    try {
      return await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    } catch (e) {
      throw new ModelError(`${file} could not be loaded by onnxruntime-web: ${(e as Error).message}`);
    }
  };
  const [encoder, decoder] = await Promise.all([open(m.model.encoder), open(m.model.decoder)]);
  const k = m.latentDim;
  const decoderTakesLabels = decoder.inputNames.includes('y');
  const encoderTakesLabels = encoder.inputNames.includes('y');
  return {
    decoderTakesLabels,
    encoderTakesLabels,
    async decode(z, n, labels) {
      const feeds: Record<string, ort.Tensor> = { z: new ort.Tensor('float32', z, [n, k]) };
      const y = decoderTakesLabels ? oneHot(labels, n, m.numClasses) : null;
      if (y) feeds['y'] = y;
      const t0 = performance.now();
      const out = await decoder.run(feeds);
      const ms = performance.now() - t0;
      return { xhat: out['xhat']!.data as Float32Array, ms };
    },
    async encode(x, n, labels) {
      const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [n, ...m.inputShape]) };
      const y = encoderTakesLabels ? oneHot(labels, n, m.numClasses) : null;
      if (y) feeds['y'] = y;
      const out = await encoder.run(feeds);
      return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.data as Float32Array]));
    },
  };
}
