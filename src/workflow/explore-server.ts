/**
 * The explorer's HTTP server: `sirv` serves two fixed folders and nothing else,
 *   /run/…   the run's bundle (explore-bundle.ts)
 *   /…       the built page (dist/web/, see explore-page.ts)
 * sirv (not in dev mode) indexes each folder's files once at start and answers only those.
 * Before that, any request whose path is not plain is a 404: a `.` or `..` segment after
 * percent-decoding (`/../`, `/%2e%2e/`), an encoded slash or backslash (`%2f`, `%5c`), a
 * backslash, a NUL, or a malformed escape.
 *
 * Every response carries the cross-origin isolation headers (COOP same-origin, COEP
 * require-corp), which make the page `crossOriginIsolated`, so SharedArrayBuffer and thus
 * onnxruntime-web's multi-threaded wasm are available, plus CORP same-origin and nosniff.
 *
 * Bound to a loopback address, it answers only requests whose Host header names a loopback
 * host (127.0.0.1, localhost, [::1]) on its port; others get 403. This stops DNS rebinding: a web
 * page whose own domain is made to resolve to 127.0.0.1 could otherwise read the run's files
 * (the same rule as Vite's dev server `server.allowedHosts`).
 *
 * The server listens before the bundle exists (a port in use fails before any work); until
 * `serve(bundleDir)` is called, requests get 503.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { UsageError } from '../errors.js';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether `host` (a --host value) is a loopback address, so only loopback Host headers are let in. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\./.test(host);
}

/** The URL prefix of the bundle. */
export const BUNDLE_PREFIX = '/run/';

/** Whether a request path (before the query) is a plain path: no dot segments, encoded separators or bad escapes. */
export function isPlainPath(rawPath: string): boolean {
  if (!rawPath.startsWith('/') || /%(2f|5c|00)|\\|\0/i.test(rawPath)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return false;
  }
  return !decoded.split('/').some((seg) => seg === '.' || seg === '..') && !decoded.includes('\\') && !decoded.includes('\0');
}

export interface ExploreServer {
  readonly server: Server;
  readonly url: string;
  /** Start answering with the page and this bundle folder (null: the page alone, whose Train tab needs no run; /run/ is then a 404). */
  serve(bundleDir: string | null): void;
  close(): Promise<void>;
}

function notFound(res: ServerResponse): void {
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('not found\n');
}

/**
 * Listens on host:port (port 0 picks a free one). A port in use is a one-line UsageError
 * naming the flag to change.
 */
export async function listenExplorer(opts: { pageDir: string; host: string; port: number }): Promise<ExploreServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let allowedHosts: ReadonlySet<string> | null = null; // set once the port is known
  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      res.statusCode = 403;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('host not allowed: open the explorer at the address latentkit printed\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, HEAD');
      res.end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (!isPlainPath(path)) return notFound(res);
    if (!handler) {
      res.statusCode = 503;
      res.setHeader('Retry-After', '1');
      res.end('the explorer is still building its files\n');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new UsageError(`port ${opts.port} is in use; pass --port`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new UsageError(`cannot listen on --host ${opts.host}: no such local address`));
      else if (e.code === 'EACCES') reject(new UsageError(`port ${opts.port} needs privileges; pass --port above 1023`));
      else reject(e);
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  if (isLoopback(opts.host)) allowedHosts = new Set([`127.0.0.1:${address.port}`, `localhost:${address.port}`, `[::1]:${address.port}`, `${address.address}:${address.port}`]);
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const page = sirv(opts.pageDir, { dev: false, etag: true });
  return {
    server,
    url: `http://${hostInUrl}:${address.port}/`,
    serve(bundleDir: string | null) {
      const bundle = bundleDir === null ? (_req: IncomingMessage, res: ServerResponse, next: () => void) => next() : sirv(bundleDir, { dev: false, etag: true });
      handler = (req, res) => {
        const url = req.url ?? '/';
        if (url.startsWith(BUNDLE_PREFIX)) {
          req.url = url.slice(BUNDLE_PREFIX.length - 1);
          bundle(req, res, () => notFound(res));
        } else {
          page(req, res, () => notFound(res));
        }
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
