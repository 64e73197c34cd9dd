/**
 * One writer per run directory. A writer (train, or train --resume) holds `<run>/.lock`,
 * created with O_EXCL and holding `{pid, host, started}`; a second writer is refused with
 * `<run> is in use by pid N`. A lock whose process is gone (killed, crashed) is stale: the
 * next writer removes it and takes over. Readers (eval, sample, export, the latent tools) take
 * no lock: they read the last complete checkpoint, which is written atomically.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { processExists } from '../persist/atomic.js';

export const LOCK_FILE = '.lock';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

function readLock(path: string): LockInfo | null | 'absent' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  try {
    const info = JSON.parse(text) as Partial<LockInfo>;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? { pid: info.pid, host: info.host, started: String(info.started) } : null;
  } catch {
    return null;
  }
}


/**
 * The live writer holding `dir`, or null when there is none (no lock, a stale one, or this
 * process's own). A lock written on another host counts as live: its pid cannot be checked.
 */
export function runLockHolder(dir: string): LockInfo | null {
  const info = readLock(join(dir, LOCK_FILE));
  if (info === 'absent' || info === null) return null;
  if (info.host !== hostname()) return info;
  return info.pid !== process.pid && processExists(info.pid) ? info : null;
}

/** Fails with `<dir> is in use by pid N` when another live writer holds the directory. */
export function checkRunNotLocked(dir: string): void {
  const holder = runLockHolder(dir);
  if (holder) throw new UsageError(`${dir} is in use by pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''} (since ${holder.started}); wait for it to finish, or write to another --out`);
}

export interface RunLock {
  /** Removes the lock file (only if it is still this process's). */
  release(): void;
}

/** Takes the writer's lock of an existing directory `dir`; a stale lock is replaced. */
export function acquireRunLock(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
      } catch (e) {
        // E.g. a full disk (ENOSPC): no empty lock is left, and the error names the file (a write on a descriptor names none).
        rmSync(path, { force: true });
        (e as NodeJS.ErrnoException).path ??= path;
        throw e;
      } finally {
        closeSync(fd);
      }
      return {
        release: () => {
          const info = readLock(path);
          if (info !== 'absent' && info !== null && info.pid === process.pid && info.host === hostname()) rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') checkRunNotLocked(dir);
        throw e;
      }
      checkRunNotLocked(dir);
      rmSync(path, { force: true }); // stale: its writer is gone
    }
  }
}
