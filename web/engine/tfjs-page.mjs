/**
 * The TensorFlow.js side of bench/browser-train.mjs: the reference MLP VAE of
 * bench/peers/tfjs-vae-model.mjs (the same code the Node peer tfjs_vae.mjs runs) on
 * tfjs-backend-wasm (SIMD, and threads when the page is cross-origin isolated), driven from Node
 * through `window.tfjsEngine`. The wasm binaries are served by the bench under `tfjs/`; the rows
 * under `data/<name>.f32`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { disposeParams, initParams, makeAdam, trainEpochs, warmup } from '../../bench/peers/tfjs-vae-model.mjs';

/** The wasm binaries tfjs-backend-wasm may load (its dist/), served under `tfjs/`. */
export const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

const rows = new Map();

async function dataset(name, dim) {
  let x = rows.get(name);
  if (!x) {
    const res = await fetch(new URL(`data/${name}.f32`, document.baseURI));
    if (!res.ok) throw new Error(`data/${name}.f32: HTTP ${res.status}`);
    x = new Float32Array(await res.arrayBuffer());
    rows.set(name, x);
  }
  return { x, n: x.length / dim };
}

globalThis.tfjsEngine = {
  async init({ threads }) {
    wasm.setWasmPaths(new URL('tfjs/', document.baseURI).href);
    if (threads !== null) wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialise');
    await tf.ready();
    return {
      tfjs: tf.version_core,
      threads: wasm.getThreadsCount(),
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
    };
  },

  /** Fresh parameters (Glorot), `warmupSteps` untimed steps on a throw-away copy, then `epochs` timed epochs. */
  async train({ data, dim, batchSize, epochs, seed, lr, warmupSteps }) {
    const train = await dataset(data, dim);
    const params = initParams(tf, seed);
    const opt = makeAdam(tf, lr);
    warmup(tf, { warmupSteps, seed, lr, batchSize }, train);
    const t0 = performance.now();
    const r = trainEpochs(tf, params, opt, train, { batchSize, epochs, seed });
    const seconds = (performance.now() - t0) / 1000;
    opt.dispose();
    disposeParams(params);
    return { seconds, samples: r.samples, loss: r.last.loss, liveTensors: tf.memory().numTensors };
  },
};
