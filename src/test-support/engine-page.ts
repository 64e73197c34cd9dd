/**
 * Serves an engine page (web/engine/*.ts bundled by esbuild for the browser) on 127.0.0.1 for
 * headless Chromium: the bundle, a bare index.html, onnxruntime-web's runtime files under
 * `ort/` (and any extra files a page needs), and float32 rows under `data/<name>.f32`. With
 * `isolated` (default) every response carries COOP/COEP, so the page is cross-origin isolated
 * and wasm may use threads. Everything is local: the page reaches nothing else. Test and
 * bench support; not part of the package.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEB_RUNTIME_FILES } from '../runtime/web.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

export interface EnginePageOptions {
  /** Entry module, relative to the repository root (e.g. `web/engine/page.ts`). */
  readonly entry: string;
  /** Rows served at `data/<name>.f32`. */
  readonly data?: Readonly<Record<string, Float32Array>>;
  /** Extra files by URL path (e.g. `tfjs/tfjs-backend-wasm-simd.wasm`) → absolute file path. */
  readonly files?: Readonly<Record<string, string>>;
  /** Serve with COOP/COEP (default true). */
  readonly isolated?: boolean;
}

export interface EnginePage {
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.f32': 'application/octet-stream' };

/** Bundles `entry` (ORT-web resolved to its build that loads the runtime from `wasmPaths`) and serves it. */
export async function serveEnginePage(opts: EnginePageOptions): Promise<EnginePage> {
  const bundle = await build({
    entryPoints: [join(ROOT, opts.entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    conditions: ['onnxruntime-web-use-extern-wasm'],
  });
  const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  const files = new Map<string, () => Uint8Array | string>([
    ['/', () => '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>latentkit engine</title><script type="module" src="page.js"></script>'],
    ['/page.js', () => bundle.outputFiles[0]!.contents],
  ]);
  for (const f of WEB_RUNTIME_FILES) files.set(`/ort/${f}`, () => readFileSync(join(ortDist, f)));
  for (const [path, file] of Object.entries(opts.files ?? {})) files.set(`/${path}`, () => readFileSync(file));
  for (const [name, x] of Object.entries(opts.data ?? {})) files.set(`/data/${name}.f32`, () => new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  const isolated = opts.isolated ?? true;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const ext = path === '/' ? '.html' : path.slice(path.lastIndexOf('.'));
    res.writeHead(200, {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      ...(isolated && { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }),
    });
    res.end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
