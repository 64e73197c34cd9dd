/**
 * A real headless Chromium for tests: the system's Debian `chromium` driven by playwright-core
 * (which downloads nothing itself). Where it is missing and the tests run as root (CI), it is
 * installed once with apt-get; elsewhere tests skip with the reason. Test-only; not part of
 * the package.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts its launcher. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Install command run (as root) when Chromium is missing. */
const INSTALL = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';
/** apt-get may take minutes on a slow mirror. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** A usable Chromium executable, or why there is none. */
export type ChromiumLookup = { readonly path: string } | { readonly path: null; readonly reason: string };

/**
 * Find Chromium: `$LATENTKIT_CHROMIUM` if set, else `/usr/bin/chromium`. If absent and this
 * process is root, install Debian's `chromium` (apt-get, up to 15 min) and use it. Concurrent
 * callers (vitest runs test files in parallel workers) are serialised by a lock directory in
 * the temp dir, so apt-get runs at most once at a time and later callers find it installed.
 */
export async function locateChromium(): Promise<ChromiumLookup> {
  const fromEnv = process.env['LATENTKIT_CHROMIUM'];
  if (fromEnv) {
    return isExecutable(fromEnv) ? { path: fromEnv } : { path: null, reason: `LATENTKIT_CHROMIUM=${fromEnv} is not an executable file` };
  }
  if (isExecutable(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM };
  if (process.platform !== 'linux') return { path: null, reason: `${DEBIAN_CHROMIUM} is missing (installing it needs Debian/Ubuntu)` };
  if (process.getuid?.() !== 0) {
    return { path: null, reason: `${DEBIAN_CHROMIUM} is missing and installing it needs root (run: sudo ${INSTALL.replace('&& ', '&& sudo ')})` };
  }
  const lock = join(tmpdir(), 'latentkit-chromium-install.lock');
  await acquire(lock);
  try {
    if (isExecutable(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM }; // another worker installed it
    try {
      await run(INSTALL, INSTALL_TIMEOUT_MS);
    } catch (e) {
      return { path: null, reason: `installing it failed: ${firstLine(e)}` };
    }
    return isExecutable(DEBIAN_CHROMIUM) ? { path: DEBIAN_CHROMIUM } : { path: null, reason: `apt-get ran but ${DEBIAN_CHROMIUM} is still missing` };
  } finally {
    rmdirSync(lock);
  }
}

/**
 * {@link locateChromium} as a path, or null after logging `chromium not available: <reason>`
 * (tests then skip).
 */
export async function findOrInstallChromium(): Promise<string | null> {
  const found = await locateChromium();
  if (found.path === null) console.warn(`chromium not available: ${found.reason}`);
  return found.path;
}

/**
 * Launch headless Chromium with playwright-core. The background-networking flags matter: on a
 * closed network Chromium otherwise fails trying to reach Google services.
 */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Take a lock directory, waiting (up to the install timeout) while another process holds it. */
async function acquire(lock: string): Promise<void> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // a lock older than the install timeout is left over from a killed process
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > INSTALL_TIMEOUT_MS + 60_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      else await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function run(command: string, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { timeout, maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${command}: ${stderr.trim().split('\n').pop() ?? err.message}`));
      else resolve();
    });
  });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
