/**
 * Builds the explorer page (web/) into dist/web/, which ships in the npm package.
 * onnxruntime-web is resolved to its build that loads the wasm runtime from `env.wasm.wasmPaths`
 * (the `onnxruntime-web-use-extern-wasm` export condition); that runtime (.mjs glue + .wasm)
 * is copied into dist/web/ort/ so the page loads it from its own server, never from a CDN.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin, type Rollup } from 'vite';

type RollupLog = Rollup.RollupLog;
import { bundledDigitsAsset } from './build/digits-asset.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'dist', 'web');
/**
 * The wasm runtime files of onnxruntime-web: the threaded SIMD build the explorer's inference
 * loads (`onnxruntime-web/wasm`), and its JSEP build (wasm + WebGPU) that the Train tab's worker
 * loads through the core's web back end (src/runtime/web.ts `WEB_RUNTIME_FILES`).
 */
export const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

function copyOrtRuntime(): Plugin {
  let target = outDir;
  return {
    name: 'latentkit-copy-ort-runtime',
    apply: 'build',
    configResolved(config) {
      target = config.build.outDir; // `vite build --outDir X` (the tests build into a temp folder)
    },
    closeBundle() {
      const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
      mkdirSync(join(target, 'ort'), { recursive: true });
      for (const f of ORT_RUNTIME_FILES) copyFileSync(join(ortDist, f), join(target, 'ort', f));
    },
  };
}

/** zod's sources hold comments Rollup cannot place (and drops, harmlessly): say nothing of them. */
const quietAnnotations = (warning: RollupLog, warn: (w: RollupLog) => void): void => {
  if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
};

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: { onwarn: quietAnnotations },
  },
  // The Train tab's worker (web/src/train/worker.ts) is an ES module: onnxruntime-web loads its wasm glue by import().
  worker: { format: 'es', rollupOptions: { onwarn: quietAnnotations } },
  plugins: [copyOrtRuntime(), bundledDigitsAsset()],
});
