/**
 * Where the explorer page's built files are: `dist/web/` in the package (built by
 * `npm run build:web` from web/ with Vite; it ships in the npm package with the rest of dist/), holding index.html,
 * assets/ and ort/ (onnxruntime-web's wasm files, served locally, never from a CDN).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';

/** dist/web/ of the package root, two levels above this module (src/workflow or dist/workflow). */
export const PAGE_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** The page folder, or a one-line error when it was never built (a git clone before `npm install`). */
export function pageDir(): string {
  if (!existsSync(`${PAGE_DIR}index.html`)) throw new UsageError(`the explorer page is not built (${PAGE_DIR}index.html is missing); run: npm run build:web`);
  return PAGE_DIR;
}
