import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
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

/**
 * Temp file name used by {@link writeFileAtomic} for `target`:
 * `<dir>/.<basename>.tmp-<pid>-<12 hex chars>`, always in the target's own directory
 * so that the final rename stays on one filesystem.
 */
/** The file a temp path of {@link tempPathFor} stands in for (other paths are returned as they are). */
export function targetOfTempPath(path: string): string {
  return path.replace(/(^|\/)\.([^/]+)\.tmp-\d+-[0-9a-f]{12}$/, '$1$2');
}

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
    throw err;
  }
  fsyncDir(dirname(path));
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
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory so a completed rename in it survives a crash; no-op where unsupported. */
function fsyncDir(dir: string): void {
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
