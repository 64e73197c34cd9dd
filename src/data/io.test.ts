import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { expectOneLineError } from '../test-support/expect-error.js';
import { DataError } from './errors.js';
import { parseIdx } from './idx.js';
import { checkFitsInMemory } from './io.js';
import { availableMemoryBytes } from './machine-memory.js';

/** The machine reports 1 MB of free memory (and no cgroup limit) to the loaders under test. */
vi.mock('node:os', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:os')>()), freemem: () => 1e6 }));

describe('memory bound of the loaders', () => {
  it('available memory is the smaller of free memory and the cgroup limit', () => {
    const limit = process.constrainedMemory?.() ?? 0;
    expect(availableMemoryBytes()).toBe(limit > 0 && limit < 1e6 ? limit : 1e6);
  });

  it('checkFitsInMemory names the file, what it declares, the estimate and what is available', () => {
    expect(() => checkFitsInMemory('a.npy', 'shape (10, 10)', 1e6)).not.toThrow();
    expectOneLineError(() => checkFitsInMemory('a.npy', 'shape (10, 10)', 1e6 + 1), DataError, 'a.npy: shape (10, 10) needs about 1 MB of memory to load, more than the 1 MB available');
  });

  it('a gzipped IDX file whose declared data (bytes + float32 copy) exceeds free memory is refused before inflating', () => {
    const header = Buffer.alloc(16);
    header.set([0, 0, 8, 3]);
    [1000, 28, 28].forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
    expectOneLineError(
      () => parseIdx(gzipSync(Buffer.concat([header, Buffer.alloc(784_000)])), 'x.gz'),
      DataError,
      'x.gz: IDX dims [1000, 28, 28] (784000 bytes of data) needs about 3.92 MB of memory to load, more than the 1 MB available',
    );
  });
});
