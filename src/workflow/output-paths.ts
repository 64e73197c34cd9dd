/**
 * Checks of output paths, made before any work: an empty path, a file where a folder must be
 * (the target itself or one of its parents), a missing folder, or a folder this process may
 * not write into (permission, read-only file system) each fail in one line naming the flag,
 * instead of as a file-system error after the data is loaded and the model compiled.
 * Nothing is created. (A full disk can still only be found by writing.)
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

const ACCESS_ERRORS: Readonly<Record<string, string>> = { EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system' };

/** The entry at `path`, or undefined when it (or a parent folder) does not exist. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Fails unless this process may create and delete entries in the existing folder `folder`. */
function checkWritableFolder(folder: string, what: string): void {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new UsageError(`${what}: cannot write into ${folder} (${ACCESS_ERRORS[code] ?? code})`);
  }
}

function checkNotEmpty(path: string, flag: string, kind: string): void {
  if (path.trim() === '') throw new UsageError(`${flag} is empty; give a ${kind} path`);
}

/**
 * Fails unless a folder can be at `dir`: it is a folder already, or its nearest existing
 * ancestor is a folder; either must be writable (the run or export writes files into it and
 * creates the missing folders).
 */
export function checkOutputDir(dir: string, flag = '--out'): void {
  checkNotEmpty(dir, flag, 'folder');
  const what = `${flag} ${dir}`;
  let at = resolve(dir);
  for (;;) {
    const st = statOrUndefined(at);
    if (st) {
      if (!st.isDirectory()) throw new UsageError(at === resolve(dir) ? `${what} exists and is a file, not a folder` : `${what}: ${at} is a file, not a folder`);
      return checkWritableFolder(at, what);
    }
    const up = dirname(at);
    if (up === at) return;
    at = up;
  }
}

/** Fails unless a file can be written atomically at `path`: its folder exists and is writable, and `path` is not a folder. */
export function checkOutputFile(path: string, flag = '--out'): void {
  checkNotEmpty(path, flag, 'file');
  const what = `${flag} ${path}`;
  if (statOrUndefined(path)?.isDirectory()) throw new UsageError(`${what} is a folder; give a file path`);
  const folder = dirname(resolve(path));
  const st = statOrUndefined(folder);
  if (!st) {
    // Name the first missing or file-shadowed parent.
    let at = folder;
    while (!statOrUndefined(dirname(at))) at = dirname(at);
    const parent = statOrUndefined(dirname(at));
    if (parent && !parent.isDirectory()) throw new UsageError(`${what}: ${dirname(at)} is a file, not a folder`);
    throw new UsageError(`${what}: the folder ${folder} does not exist`);
  }
  if (!st.isDirectory()) throw new UsageError(`${what}: ${folder} is a file, not a folder`);
  checkWritableFolder(folder, what);
}
