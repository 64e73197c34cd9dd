/**
 * Builds the explorer page (web/, Vite) into dist/web/ when it is missing, as `npm run
 * build:web` does: into a temp folder first, then renamed into place, so test files running
 * in parallel never serve half a build. Test-only; not part of the package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PAGE_DIR } from '../workflow/explore-page.js';
import { ROOT } from './cli-harness.js';

export function ensurePageBuilt(): void {
  if (existsSync(join(PAGE_DIR, 'index.html'))) return;
  const temp = join(dirname(PAGE_DIR.replace(/\/$/, '')), `.web-build-${process.pid}`);
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--outDir', temp], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  } catch (e) {
    const out = `${(e as { stdout?: Buffer }).stdout?.toString() ?? ''}${(e as { stderr?: Buffer }).stderr?.toString() ?? ''}`;
    throw new Error(`building the explorer page failed:\n${out}`);
  }
  try {
    renameSync(temp, PAGE_DIR);
  } catch {
    rmSync(temp, { recursive: true, force: true }); // another worker finished first
  }
}
