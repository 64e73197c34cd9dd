/**
 * A file written in pieces that still appears atomically: the pieces go to a temp file in the
 * target's folder (atomic.ts `tempPathFor`), and `commit` fsyncs it, renames it over the
 * target and fsyncs the folder. Until then the target is untouched; `abort` (or a kill, whose
 * temp file the next writer of a run directory removes) leaves no partial target. For outputs
 * too large to build in memory first, e.g. `sample --npy` of a million samples.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir, tempPathFor, withFilePath } from './atomic.js';

export class AtomicFileWriter {
  private fd: number | undefined;
  /** Bytes written so far. */
  bytes = 0;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Creates the temp file of `path` (its folder must exist). */
  static open(path: string): AtomicFileWriter {
    const tmp = tempPathFor(path);
    return new AtomicFileWriter(path, tmp, openSync(tmp, 'wx', 0o644));
  }

  /** Appends `data`; on a failed write the temp file is removed and the error rethrown, naming `path` (a full disk names no file otherwise). */
  write(data: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`AtomicFileWriter(${this.path}): write after commit or abort`);
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
      this.bytes += data.length;
    } catch (e) {
      this.abort();
      throw withFilePath(e, this.path);
    }
  }

  /** Makes the written bytes the content of `path` (fsync, rename, fsync of the folder). */
  commit(): void {
    if (this.fd === undefined) throw new Error(`AtomicFileWriter(${this.path}): commit after commit or abort`);
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
      renameSync(this.tempPath, this.path);
    } catch (e) {
      this.abort();
      throw withFilePath(e, this.path);
    }
    fsyncDir(dirname(this.path));
  }

  /** Drops the temp file; the target keeps its previous content (or stays absent). Idempotent. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already failing; the original error is more useful
      }
      this.fd = undefined;
    }
    rmSync(this.tempPath, { force: true });
  }
}
