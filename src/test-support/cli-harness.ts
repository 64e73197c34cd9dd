/**
 * Test harness for end-to-end tests of the `latentkit` command: spawns
 * `node bin/latentkit.js ...` (the compiled dist/), checks the user-error contract (exit ≠ 0,
 * one stderr line, no stack trace) and snapshots directories to prove nothing was written.
 * Test-only; not part of the package.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'latentkit.js');

/** Source files (not tests) whose compiled output is missing or older than the source. */
function staleSources(dir = join(ROOT, 'src')): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...staleSources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
      const js = join(ROOT, 'dist', relative(join(ROOT, 'src'), p)).replace(/\.ts$/, '.js');
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(p).mtimeMs) out.push(p);
    }
  }
  return out;
}

/** Rebuilds dist/ with tsc when a source file is newer than its output (`npm test` builds it first anyway). */
export function ensureDistBuilt(): void {
  const stale = staleSources();
  if (stale.length > 0) {
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
    } catch (e) {
      const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`dist/ is stale (${relative(ROOT, stale[0]!)} is newer) and rebuilding it failed:\n${out}`);
    }
  }
  expect(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is built').toBe(true);
}

export interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/latentkit.js ...args` in `cwd` and collects its output. */
export function latentkit(args: readonly string[], cwd: string): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

export const show = (r: Result): string => `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Asserts the user-error contract: exit ≠ 0, no stdout, one stderr line mentioning `mention`, no stack trace. */
export function expectUserError(r: Result, mention: string): string {
  expect(r.signal, show(r)).toBeNull();
  expect(r.code, show(r)).not.toBe(0);
  expect(r.stdout, show(r)).toBe('');
  expect(r.stderr, show(r)).not.toContain('    at ');
  expect(r.stderr.endsWith('\n'), `stderr ends with a newline\n${show(r)}`).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines, `exactly one line on stderr\n${show(r)}`).toHaveLength(1);
  expect(lines[0], show(r)).toContain(mention);
  return lines[0]!;
}

/** Asserts a successful run (exit 0, no stack trace). */
export function expectOk(r: Result): void {
  expect(r.signal, show(r)).toBeNull();
  expect(r.code, show(r)).toBe(0);
  expect(r.stderr, show(r)).not.toContain('    at ');
}

/** Every file directly in `dir` → sha256 of its bytes. */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]),
  );
}
