/**
 * The command table of `main`: a run loads only the module of the subcommand it names, so
 * each entry must load the subcommand it is listed under, and help must still list them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt, latentkit, show } from '../test-support/cli-harness.js';

const SUBCOMMANDS = ['train', 'eval', 'export', 'sample', 'embed', 'map', 'manifold', 'interpolate', 'traverse', 'attribute', 'probe', 'report', 'compare', 'explore'];

describe('latentkit command table', () => {
  let cwd: string;
  beforeAll(() => {
    ensureDistBuilt();
    cwd = mkdtempSync(join(tmpdir(), 'lk-main-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('--help lists every subcommand in order; --version prints the package version', async () => {
    const help = await latentkit(['--help'], cwd);
    expect(help.code, show(help)).toBe(0);
    const listed = [...help.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(listed).toEqual([...SUBCOMMANDS, 'help']);
    const version = await latentkit(['--version'], cwd);
    expect(version.stdout.trim()).toBe((createRequire(import.meta.url)('../../package.json') as { version: string }).version);
  });

  it('each subcommand, named first, loads its own definition', async () => {
    const results = await Promise.all(SUBCOMMANDS.map((name) => latentkit([name, '--help'], cwd)));
    results.forEach((r, i) => {
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: latentkit ${SUBCOMMANDS[i]} `));
    });
  });

  it('a misspelt subcommand is refused with the suggestion', async () => {
    const r = await latentkit(['trian'], cwd);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command 'trian'[\s\S]*Did you mean train\?/);
  });
});
