import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendLineDurable, removeDeadWritersTempFiles, tempPathFor, writeFileAtomic } from './atomic.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latentkit-atomic-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes bytes and strings exactly and leaves no temp files behind', () => {
    const p = join(dir, 'a.bin');
    writeFileAtomic(p, new Uint8Array([1, 2, 3, 255]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3, 255]);
    writeFileAtomic(join(dir, 'b.txt'), 'héllo\n');
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('héllo\n');
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'b.txt']);
  });

  it('replaces an existing file completely (new content shorter than old)', () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, 'a much longer original content');
    writeFileAtomic(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });

  it('does not clobber the target and removes the temp file when the write fails before rename', () => {
    const p = join(dir, 'ckpt');
    writeFileSync(p, 'old');
    let seenTemp = '';
    expect(() =>
      writeFileAtomic(p, 'new', {
        beforeRename: (tmp) => {
          seenTemp = tmp;
          // the temp file is fully written at this point, in the same directory
          expect(readFileSync(tmp, 'utf8')).toBe('new');
          throw new Error('simulated crash');
        },
      }),
    ).toThrow('simulated crash');
    expect(seenTemp.startsWith(join(dir, '.ckpt.tmp-'))).toBe(true);
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['ckpt']);
  });

  it('removes the temp file when the rename itself fails (target is a non-empty directory)', () => {
    const p = join(dir, 'taken');
    mkdirSync(p);
    writeFileSync(join(p, 'inner'), 'x');
    expect(() => writeFileAtomic(p, 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(p, 'inner'), 'utf8')).toBe('x');
  });

  it('throws when the parent directory does not exist and creates nothing', () => {
    expect(() => writeFileAtomic(join(dir, 'nope', 'f'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('tempPathFor names a hidden, per-process, randomised sibling of the target', () => {
    const a = tempPathFor(join(dir, 'x.safetensors'));
    const b = tempPathFor(join(dir, 'x.safetensors'));
    expect(a).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.x\\.safetensors\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    expect(a).not.toBe(b);
  });
});

describe('appendLineDurable', () => {
  it('appends exactly one newline-terminated line per call and rejects embedded newlines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latentkit-append-'));
    try {
      const p = join(dir, 'log.jsonl');
      appendLineDurable(p, JSON.stringify({ step: 1 }));
      appendLineDurable(p, JSON.stringify({ step: 2 }) + '\n');
      expect(readFileSync(p, 'utf8')).toBe('{"step":1}\n{"step":2}\n');
      expect(() => appendLineDurable(p, 'a\nb')).toThrow(/newline/);
      expect(readFileSync(p, 'utf8')).toBe('{"step":1}\n{"step":2}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('removeDeadWritersTempFiles', () => {
  it('removes temp files whose writer process is gone and keeps those of live processes and other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latentkit-deadtemp-'));
    try {
      // A pid that has certainly exited: a child that has been waited for.
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      const dead = `.checkpoint.safetensors.tmp-${gone}-0123456789ab`;
      const live = `.state.json.tmp-${process.pid}-0123456789ab`;
      for (const f of [dead, live, 'checkpoint.safetensors', '.lock']) writeFileSync(join(dir, f), 'x');
      expect(removeDeadWritersTempFiles(dir)).toEqual([dead]);
      expect(readdirSync(dir).sort()).toEqual([live, '.lock', 'checkpoint.safetensors'].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
