/**
 * `latentkit explore <run>`: the live latent explorer (workflow/explore-run.ts). Serves the
 * page on 127.0.0.1 and prints its URL until Ctrl-C, or with `--static DIR` writes it as a
 * static folder.
 */
import { spawn } from 'node:child_process';
import { Command, InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import { PROJECTION_METHODS, type ProjectionMethod } from '../latent/projection.js';
import { EXPLORE_SPLITS, type ExploreSplit } from '../workflow/explore-bundle.js';
import { DEFAULT_HOST, DEFAULT_PORT, exploreServe, exploreServeTrainTab, exploreStatic } from '../workflow/explore-run.js';
import { nonNegativeInt, oneOf, positiveInt, threadCount } from './flags.js';
import { PhaseProgress } from './progress.js';

/** `--port`: 0 (any free port) to 65535. */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n > 65535) throw new InvalidArgumentError(`must be a port number in [0, 65535] (got ${value})`);
  return n;
}

interface Flags {
  port?: number;
  host?: string;
  open?: boolean;
  static?: string;
  force?: boolean;
  method?: ProjectionMethod;
  split?: ExploreSplit;
  maxPoints?: number;
  seed?: number;
  threads?: number;
  json?: boolean;
}

/** Opens a URL in the desktop's browser; failures are a note, never an error. */
function openInBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`latentkit: note: could not open a browser (${cmd}); open ${url} yourself\n`));
  child.unref();
}

/** Resolves on SIGINT/SIGTERM. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function exploreCommand(): Command {
  return new Command('explore')
    .description('explore a run in the browser: its map, live decoding with sliders, interpolation, sampling, drawing (served on 127.0.0.1, or written as a static folder); the page\'s Train tab trains a model in the browser (without a run, the page opens on it)')
    .argument('[run]', 'run directory (none: the page alone, on its Train tab, which trains a model in the browser)')
    .option('--port <n>', `port to listen on (default ${DEFAULT_PORT}; 0: any free port)`, portNumber)
    .option('--host <address>', `address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 exposes the run to the network)`)
    .option('--open', 'open the page in the default browser')
    .option('--static <dir>', 'write the page and the run\'s files as a static folder instead of serving them')
    .option('--force', 'with --static: replace an earlier explorer folder')
    .option('--method <name>', `map of codes wider than 2: ${PROJECTION_METHODS.join(', ')} (default pca: ready in seconds; umap draws the map \`latentkit map\` draws, cached after the first start)`, oneOf(PROJECTION_METHODS))
    .option('--split <name>', `points on the map: ${EXPLORE_SPLITS.join(', ')} (default test)`, oneOf(EXPLORE_SPLITS))
    .option('--max-points <n>', 'map at most n codes, a seeded random subset (default: umap 10000, tsne 5000, others all)', positiveInt)
    .option('--seed <n>', 'seed of the projection, the subset and the prior draws (default 0)', nonNegativeInt)
    .option('--threads <n>', 'CPU threads for building the files (default: all cores)', threadCount)
    .option('--json', 'print one JSON object (the URL, or the static folder)')
    .action(async (dir: string | undefined, f: Flags) => {
      if (f.force && f.static === undefined) throw new UsageError('--force applies to --static only');
      if (dir === undefined) {
        const runOnly = (['static', 'method', 'split', 'maxPoints', 'seed', 'threads'] as const).filter((k) => f[k] !== undefined);
        if (runOnly.length) throw new UsageError(`--${runOnly[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs a run: latentkit explore RUN`);
        const { url, server } = await exploreServeTrainTab({ port: f.port, host: f.host });
        process.stdout.write(f.json ? `${JSON.stringify({ url, run: null })}\n` : `no run given: serving the Train tab (Ctrl-C stops)\n${url}\n`);
        if (f.open) openInBrowser(url);
        await untilInterrupted();
        await server.close();
        return;
      }
      const progress = new PhaseProgress();
      const common = { dir, method: f.method, split: f.split, maxPoints: f.maxPoints, seed: f.seed, threads: f.threads, onProgress: progress.update };
      if (f.static !== undefined) {
        if (f.port !== undefined || f.host !== undefined || f.open) throw new UsageError('--static writes files and serves nothing: drop --port, --host and --open');
        let summary;
        try {
          summary = await exploreStatic({ ...common, out: f.static, force: f.force ?? false });
        } finally {
          progress.stop();
        }
        process.stdout.write(f.json ? `${JSON.stringify(summary)}\n` : `${summary.bundle.points} points, ${summary.bundle.method} map\n${summary.out}\n`);
        return;
      }
      let serving;
      try {
        serving = await exploreServe({ ...common, port: f.port, host: f.host });
      } finally {
        progress.stop();
      }
      const { url, bundle } = serving;
      process.stdout.write(
        f.json
          ? `${JSON.stringify({ url, points: bundle.points, method: bundle.method, cached: bundle.reused, bundle: bundle.out })}\n`
          : `${bundle.points} points, ${bundle.method} map${bundle.reused ? ' (cached)' : ''}; serving ${dir} (Ctrl-C stops)\n${url}\n`,
      );
      if (f.open) openInBrowser(url);
      await untilInterrupted();
      await serving.server.close();
    });
}
