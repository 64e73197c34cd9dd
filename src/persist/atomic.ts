import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Test seam: called with the temp file path after the data is written and fsynced but before
   * the rename. If it throws, the write is abandoned (temp file removed, target untouched).
   */
  readonly beforeRename?: (tempPath: string) => void;
}

/** A temp file name of {@link tempPathFor}: `.<basename>.tmp-<pid>-<12 hex chars>`. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{12}$/;

/** Whether `name` (a file name, not a path) is a temp file of {@link tempPathFor}. */
export function isTempFileName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** The file a temp path of {@link tempPathFor} stands in for (other paths are returned as they are). */
export function targetOfTempPath(path: string): string {
  return path.replace(/(^|\/)\.([^/]+)\.tmp-\d+-[0-9a-f]{12}$/, '$1$2');
}

/**
 * Temp file name used by {@link writeFileAtomic} for `target`:
 * `<dir>/.<basename>.tmp-<pid>-<12 hex chars>`, always in the target's own directory
 * so that the final rename stays on one filesystem.
 */
export function tempPathFor(target: string): string {
  const rand = randomBytes(6).toString('hex');
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${rand}`);
}

/**
 * Durably replace the file at `path` with `data` (bytes, or a string written as UTF-8).
 *
 * Steps: write a temp file in the same directory (see {@link tempPathFor}), fsync it, rename it
 * over `path`, then fsync the directory so the rename itself is durable. Readers therefore see
 * either the old complete file or the new complete file, never a partial one. On any failure the
 * temp file is removed and the error is rethrown; an existing `path` is left untouched.
 * The parent directory must already exist. Synchronous.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) {
      off += writeSync(fd, bytes, off, bytes.length - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    opts.beforeRename?.(tmp);
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is more useful
      }
    }
    rmSync(tmp, { force: true });
    throw withFilePath(err, path);
  }
  fsyncDir(dirname(path));
}

/**
 * `err` with `path` set when it is a file-system error without one: `write`, `fsync` and
 * `close` on a descriptor report no path, so a full disk (ENOSPC) could not name its file.
 */
export function withFilePath(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof e.code === 'string' && e.path === undefined) e.path = path;
  return err;
}

/**
 * Append one line to a text log (e.g. JSON Lines) and fsync it before returning.
 *
 * `line` must not contain a newline except optionally one trailing `\n`; a `\n` is added when
 * missing, so each call produces exactly one line. The file is created if absent (mode 0644).
 */
export function appendLineDurable(path: string, line: string): void {
  const body = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (body.includes('\n') || body.includes('\r')) {
    throw new Error(`appendLineDurable(${path}): line contains a newline; one call must write exactly one line`);
  }
  const fd = openSync(path, 'a', 0o644);
  try {
    const bytes = Buffer.from(body + '\n', 'utf8');
    let off = 0;
    while (off < bytes.length) {
      off += writeSync(fd, bytes, off, bytes.length - off);
    }
    fsyncSync(fd);
  } catch (err) {
    throw withFilePath(err, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the temp files of {@link tempPathFor} in `dir` whose writer process no longer exists
 * (it was killed between creating and renaming them) and returns their names. A temp file of a
 * live process (another writer, or a pid taken over by an unrelated process) is kept: it may be
 * a write in progress.
 */
export function removeDeadWritersTempFiles(dir: string): string[] {
  const dead = readdirSync(dir).filter((name) => {
    const m = TEMP_NAME.exec(name);
    return m !== null && !processExists(Number(m[2]));
  });
  for (const name of dead) rmSync(join(dir, name), { force: true });
  return dead;
}

/** Whether a process with this pid exists (signal 0 checks without sending; EPERM means it exists under another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** fsync a directory so a completed rename in it survives a crash; no-op where unsupported. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // e.g. Windows cannot open directories
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    closeSync(fd);
  }
}
