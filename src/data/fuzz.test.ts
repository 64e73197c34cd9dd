/**
 * Loader fuzz (issue 10): 300 seeded mutants per format (bit flips, byte edits, truncations,
 * header edits, duplicated/inserted/deleted ranges) of small valid CSV, NPY, IDX (plain and
 * gzipped), PNG-folder and checkpoint files. Each must load cleanly or fail with a one-line user
 * error, within 2 s; the whole run must stay within 500 MB of extra peak memory.
 * `npm run fuzz` runs the same cases at a larger count (bench/fuzz.mjs).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../nn/rng.js';
import { type CaseResult, type FuzzTarget, makeTargets, runCase } from '../test-support/loader-fuzz.js';
import { mutate } from '../test-support/mutate.js';

const CASES = 300;
const SEED = 'npm-test';
const FORMATS = ['csv', 'npy', 'idx', 'idx-gz', 'png-folder', 'checkpoint'] as const;

/** Peak resident memory of this process in bytes (VmHWM), or undefined off Linux. */
function peakRss(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

const describeCase = (r: CaseResult): string => `${r.format} #${r.index} ${r.outcome} (${r.ms.toFixed(0)} ms) ${r.file} [${r.steps.join('; ')}]: ${r.error ?? 'loaded'}`;

describe('mutate', () => {
  const input = Uint8Array.from({ length: 200 }, (_, i) => i);
  const plan = { headerBytes: 16, tokens: [Buffer.from('"')] };

  it('is a function of (input, seed, plan): the same seed gives the same mutant, other seeds other ones', () => {
    const a = mutate(input, new Rng('s:1'), plan);
    const b = mutate(input, new Rng('s:1'), plan);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.steps).toEqual(b.steps);
    const distinct = new Set(Array.from({ length: 50 }, (_, i) => Buffer.from(mutate(input, new Rng(`s:${i}`), plan).bytes).toString('hex')));
    expect(distinct.size).toBeGreaterThan(45);
    expect(Array.from(input)).toEqual(Array.from({ length: 200 }, (_, i) => i)); // the input is not modified
  });

  it('uses every kind of step, and header writes stay inside the header', () => {
    const kinds = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const m = mutate(input, new Rng(`k:${i}`), plan);
      for (const s of m.steps) {
        kinds.add(s.split(' ')[0]!);
        if (m.steps.length === 1 && s.startsWith('header u')) {
          const at = Number(/ at (\d+)/.exec(s)![1]);
          const width = Number(/header u(\d+)/.exec(s)![1]) / 8;
          expect(at + width).toBeLessThanOrEqual(16);
          expect(Array.from(m.bytes.subarray(16))).toEqual(Array.from(input.subarray(16)));
        }
      }
    }
    expect([...kinds].sort()).toEqual(['byte', 'delete', 'duplicate', 'flip', 'header', 'insert', 'truncate']);
  });
});

describe(`loader fuzz: ${CASES} seeded mutants per format load cleanly or fail in one line`, () => {
  const root = mkdtempSync(join(tmpdir(), 'latentkit-fuzz-'));
  let targets: FuzzTarget[] = [];
  let peakBefore: number | undefined;
  beforeAll(async () => {
    targets = await makeTargets(root);
    peakBefore = peakRss();
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // A checkpoint mutant that loads must load exactly as the seed did (its checksum covers every byte that matters).
  it.each(FORMATS)('%s', async (format) => {
    const target = targets.find((t) => t.format === format)!;
    // The seed files themselves load.
    await target.load();
    // One case at a time: each mutates the target's files and restores them.
    const results: CaseResult[] = [];
    for (let i = 0; i < CASES; i++) results.push(await runCase(target, SEED, i));
    const bad = results.filter((r) => r.outcome === 'bug' || r.outcome === 'slow');
    expect(bad.map(describeCase)).toEqual([]);
    // Most mutants are rejected, and the one-line messages name the mutated file.
    const errors = results.filter((r) => r.outcome === 'user-error');
    expect(errors.length).toBeGreaterThan(CASES / 2);
    if (format !== 'checkpoint') expect(results.filter((r) => r.outcome === 'loaded').length).toBeGreaterThan(0); // some mutants are still valid data
    expect(errors.filter((r) => r.error!.includes(format === 'checkpoint' ? 'checkpoint' : r.file.split('/').pop()!)).length).toBeGreaterThan(errors.length * 0.9);
  }, 60_000);

  it('the whole fuzz grew peak memory by < 500 MB', () => {
    const after = peakRss();
    if (peakBefore === undefined || after === undefined) return;
    expect(after - peakBefore).toBeLessThan(500e6);
  });
});
