/**
 * `latentkit explore RUN`: the live latent explorer of a run.
 *
 * - `exploreServe`: listens on host:port (127.0.0.1 unless told otherwise; a port in use fails
 *   before any work), builds or reuses the run's bundle in `<run>/explore/<options>/` (cached:
 *   rebuilt only when the checkpoint or config change) and serves the page with it.
 * - `exploreStatic`: writes the page and the bundle as one static folder (`index.html`,
 *   `assets/`, `ort/`, `run/`) that any static host serves. Without cross-origin isolation
 *   headers there, onnxruntime-web runs single-threaded.
 *
 * Checks come first, so bad input ends in one line before anything is written: a run without
 * a checkpoint, an unbuilt page, a static target that exists (unless `force`, and even then
 * only an earlier explorer folder or an empty folder is replaced).
 */
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { buildExploreBundle, checkExplorableRun, ensureExploreBundle, MANIFEST_FILE, type BundleSummary, type ExploreBundleOptions } from './explore-bundle.js';
import { pageDir } from './explore-page.js';
import { listenExplorer, type ExploreServer } from './explore-server.js';
import { EXPLORE_CACHE } from './run-dir.js';

/** The folder of bundle caches inside a run: one sub-folder per set of options (see `cacheFolder`). */
export { EXPLORE_CACHE };

/**
 * The cache folder of one set of options, e.g. `<run>/explore/test-pca-seed0`: explorers of one
 * run with different options never replace each other's files while serving them.
 */
export function cacheFolder(opts: ExploreOptions): string {
  const max = opts.maxPoints !== undefined ? `-max${opts.maxPoints}` : '';
  return join(opts.dir, EXPLORE_CACHE, `${opts.split ?? 'test'}-${opts.method ?? 'pca'}${max}-seed${opts.seed ?? 0}`);
}
export const DEFAULT_PORT = 4177;
export const DEFAULT_HOST = '127.0.0.1';

export type ExploreOptions = Omit<ExploreBundleOptions, 'out'>;

export interface ServeOptions extends ExploreOptions {
  readonly port?: number;
  readonly host?: string;
}

export interface ServingExplorer {
  readonly url: string;
  readonly bundle: BundleSummary;
  readonly server: ExploreServer;
}

export async function exploreServe(opts: ServeOptions): Promise<ServingExplorer> {
  checkExplorableRun(opts.dir);
  const page = pageDir();
  const port = opts.port ?? DEFAULT_PORT;
  const server = await listenExplorer({ pageDir: page, host: opts.host ?? DEFAULT_HOST, port });
  try {
    const bundle = await ensureExploreBundle({ ...opts, out: cacheFolder(opts) });
    server.serve(bundle.out);
    return { url: server.url, bundle, server };
  } catch (e) {
    await server.close();
    throw e;
  }
}

/**
 * `latentkit explore` without a run: the page alone, opened on its Train tab (which trains in
 * the browser and needs no run), served with the same headers and host checks.
 */
export async function exploreServeTrainTab(opts: { readonly port?: number; readonly host?: string }): Promise<{ readonly url: string; readonly server: ExploreServer }> {
  const page = pageDir();
  const server = await listenExplorer({ pageDir: page, host: opts.host ?? DEFAULT_HOST, port: opts.port ?? DEFAULT_PORT });
  server.serve(null);
  return { url: `${server.url}?run=none#train`, server };
}

export interface StaticOptions extends ExploreOptions {
  readonly out: string;
  readonly force?: boolean;
}

export interface StaticSummary {
  readonly out: string;
  readonly bundle: BundleSummary;
}

/** Whether `dir` is empty or holds what `exploreStatic` writes (so --force may replace it). */
function isExplorerFolder(dir: string): boolean {
  const entries = readdirSync(dir);
  return entries.length === 0 || (entries.includes('index.html') && existsSync(join(dir, 'run', MANIFEST_FILE)));
}

export function checkStaticTarget(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!force) throw new UsageError(`--static ${out} already exists; pass --force to replace it`);
  if (!statSync(out).isDirectory()) throw new UsageError(`--static ${out} exists and is not a folder`);
  if (!isExplorerFolder(out)) throw new UsageError(`--static ${out} holds other files (it is not an earlier explorer folder); --force only replaces those, choose another folder`);
}

export async function exploreStatic(opts: StaticOptions): Promise<StaticSummary> {
  checkExplorableRun(opts.dir);
  const page = pageDir();
  const out = resolve(opts.out);
  checkStaticTarget(out, opts.force ?? false);
  if (!existsSync(dirname(out))) throw new UsageError(`--static ${opts.out}: the folder ${dirname(out)} does not exist`);
  const staging = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now()}`);
  try {
    cpSync(page, staging, { recursive: true });
    const bundle = await buildExploreBundle({ ...opts, out: join(staging, 'run') });
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
    return { out, bundle: { ...bundle, out: join(out, 'run') } };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
