/**
 * Builds the explorer page (web/, Vite) into dist/web/ as `npm run build:web` does, when it
 * is missing or older than its sources (web/ and the core modules the page imports). The
 * build goes into a temp folder and is then swapped in, under a lock directory, so test files
 * running in parallel build it once and never serve half a build. Test-only; not part of the
 * package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PAGE_DIR } from '../workflow/explore-page.js';
import { ROOT } from './cli-harness.js';

/** Test files, which the page never imports. */
const TEST_FILE = /\.test\.ts$/;

/** Newest modification time under `path`, test files left out. */
function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return TEST_FILE.test(path) ? 0 : s.mtimeMs;
  return readdirSync(path).reduce((t, f) => Math.max(t, newestMtime(join(path, f))), s.mtimeMs);
}

function pageIsCurrent(): boolean {
  const index = join(PAGE_DIR, 'index.html');
  if (!existsSync(index)) return false;
  // The page imports much of src/ (the Train tab's worker bundles the training core) and package.json (the version).
  const sources = Math.max(newestMtime(join(ROOT, 'web')), newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'package.json')).mtimeMs);
  return statSync(index).mtimeMs >= sources;
}

export async function ensurePageBuilt(): Promise<void> {
  if (pageIsCurrent()) return;
  const parent = dirname(PAGE_DIR.replace(/\/$/, ''));
  mkdirSync(parent, { recursive: true });
  const lock = join(parent, '.web-build.lock');
  for (let waited = 0; ; waited += 500) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (waited > 300_000) rmSync(lock, { recursive: true, force: true }); // left by a killed build
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (pageIsCurrent()) return; // another worker built it meanwhile
    const temp = join(parent, `.web-build-${process.pid}`);
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--outDir', temp], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    } catch (e) {
      const out = `${(e as { stdout?: Buffer }).stdout?.toString() ?? ''}${(e as { stderr?: Buffer }).stderr?.toString() ?? ''}`;
      throw new Error(`building the explorer page failed:\n${out}`);
    }
    rmSync(PAGE_DIR, { recursive: true, force: true });
    renameSync(temp, PAGE_DIR);
  } finally {
    rmdirSync(lock);
  }
}
