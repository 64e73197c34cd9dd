/**
 * AtomicFileWriter under a full disk: the error names the target (a failed `write` on a
 * descriptor carries no path of its own), the temp file is gone and the target is untouched.
 * The disk is made full by failing `writeSync` once a flag is set.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AtomicFileWriter } from './atomic-stream.js';

const disk = vi.hoisted(() => ({ full: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    if (disk.full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    return fs.writeSync(...args);
  }) as typeof fs.writeSync;
  return { ...fs, writeSync };
});

describe('AtomicFileWriter on a full disk', () => {
  it('the error names the target; the temp file is removed and the previous content kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-atomic-stream-'));
    const target = join(dir, 'samples.npy');
    writeFileSync(target, 'previous');
    const writer = AtomicFileWriter.open(target);
    writer.write(new Uint8Array([1, 2, 3]));
    disk.full = true;
    try {
      expect(() => writer.write(new Uint8Array([4, 5, 6]))).toThrow(expect.objectContaining({ code: 'ENOSPC', path: target }));
    } finally {
      disk.full = false;
    }
    expect(readdirSync(dir)).toEqual(['samples.npy']);
    expect(readFileSync(target, 'utf8')).toBe('previous');
    expect(existsSync(writer.tempPath)).toBe(false);
  });
});
