/**
 * Bounded resources and early checks (issue 10, defects 4 and 5), end to end through
 * `node bin/latentkit.js`. Each refusal exits 1 with one line, in under 3 s, before any work
 * (no model compiled, nothing written):
 * - a model too big for this machine's memory (estimated from its symbolic graph);
 * - a CSV label that makes more than 10,000 classes, named with its row;
 * - an empty, file-shadowed or unwritable `--out`, a missing `--out` folder (checked before
 *   the run is even read), `--iw` and `--n` beyond their bounds.
 * `--threads` beyond the core count is capped with a note, and `sample --npy` streams: its
 * rows are those of one all-at-once draw across chunk boundaries.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNpy } from '../data/npy.js';
import { ensureDistBuilt, expectOk, expectUserError, latentkit, type Result, snapshot } from '../test-support/cli-harness.js';
import { loadRun, openCodec } from '../workflow/load-run.js';
import { drawPriorCodes, planPrior } from '../workflow/prior-codes.js';
import { nodeBackend } from '../runtime/node.js';

let tmp: string;
let run: string;
beforeAll(async () => {
  ensureDistBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-bounds-'));
  run = join(tmp, 'run');
  expectOk(await latentkit(['train', '--epochs', '1', '--limit', '256', '--hidden', '16', '--latent', '2', '--threads', '1', '--quiet', '--no-report', '--out', run], tmp));
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a command that must be refused: one line containing `mention`, within 3 s, and nothing new in `tmp`. */
async function refused(args: readonly string[], mention: string | RegExp): Promise<string> {
  const before = readdirSync(tmp).sort();
  const runFiles = snapshot(run);
  const t0 = performance.now();
  const r: Result = await latentkit(args, tmp);
  const seconds = (performance.now() - t0) / 1000;
  const line = expectUserError(r, typeof mention === 'string' ? mention : '');
  if (mention instanceof RegExp) expect(line).toMatch(mention);
  expect(seconds, `refused in ${seconds.toFixed(2)} s: ${line}`).toBeLessThan(3);
  expect(readdirSync(tmp).sort(), 'nothing created').toEqual(before);
  expect(snapshot(run), 'the run is untouched').toEqual(runFiles);
  return line;
}

const small = ['--epochs', '1', '--limit', '256', '--threads', '1', '--quiet', '--no-report'];

describe('models too big for this machine are refused before compiling, naming the estimate', () => {
  it('--hidden 20000,20000,20000 (1.63 G parameters) and --latent 10^15', async () => {
    await refused(['train', ...small, '--hidden', '20000,20000,20000', '--out', join(tmp, 'big')], /^latentkit: error: --model vae --latent 20 --hidden 20000,20000,20000 on inputs of 784 values has 1\.63 G parameters and needs about 105 GB to train .*; this machine has [\d.]+ GB/);
    await refused(['train', ...small, '--latent', '1000000000000000', '--out', join(tmp, 'big')], /has 1\.20e\+18 parameters and needs about [\d.]+ EB to train/);
  });
});

describe('class counts are bounded', () => {
  it('a CSV label of 100000 for a cvae is named with its row; nothing is allocated for 100001 classes', async () => {
    const csv = join(tmp, 'labels.csv');
    writeFileSync(csv, `label,a,b,c\n${Array.from({ length: 40 }, (_, i) => `${i === 17 ? 100000 : i % 3},0.1,0.5,0.9`).join('\n')}\n`);
    await refused(['train', ...small, '--model', 'cvae', '--data', csv, '--out', join(tmp, 'never')], `${csv}: label 100000 at row 17 makes 100001 classes; at most 10000 are supported`);
    rmSync(csv);
  });
});

describe('output paths are checked before any work', () => {
  it("train --out '', a file, a path through a file, an unwritable folder", async () => {
    writeFileSync(join(tmp, 'a-file'), 'x');
    await refused(['train', ...small, '--out', ''], '--out is empty; give a folder path');
    await refused(['train', ...small, '--out', join(tmp, 'a-file')], `--out ${join(tmp, 'a-file')} exists and is a file, not a folder`);
    await refused(['train', ...small, '--out', join(tmp, 'a-file', 'run')], `--out ${join(tmp, 'a-file', 'run')}: ${join(tmp, 'a-file')} is a file, not a folder`);
    expect(readFileSync(join(tmp, 'a-file'), 'utf8')).toBe('x');
    // Root may write anywhere but /proc; others cannot write into a folder without w permission.
    const root = process.getuid?.() === 0;
    const locked = join(tmp, 'locked');
    if (!root) {
      mkdirSync(locked);
      chmodSync(locked, 0o555);
    }
    const target = root ? '/proc/1/latentkit-run' : join(locked, 'run');
    try {
      await refused(['train', ...small, '--out', target], new RegExp(`--out ${target}: cannot write into ${root ? '/proc/1' : locked} \\((permission denied|operation not permitted)\\)`));
    } finally {
      if (!root) rmSync(locked, { recursive: true, force: true });
    }
    rmSync(join(tmp, 'a-file'));
  });

  it('sample --out/--npy and export --out are checked before the run is read (here: not a run at all)', async () => {
    const notARun = join(tmp, 'not-a-run');
    mkdirSync(notARun);
    writeFileSync(join(tmp, 'a-file'), 'x');
    try {
      await refused(['sample', notARun, '--out', '/nonexistent/x.png'], '--out /nonexistent/x.png: the folder /nonexistent does not exist');
      await refused(['sample', notARun, '--npy', join(tmp, 'a-file', 'x.npy')], `--npy ${join(tmp, 'a-file', 'x.npy')}: ${join(tmp, 'a-file')} is a file, not a folder`);
      await refused(['sample', notARun, '--out', tmp], `--out ${tmp} is a folder; give a file path`);
      await refused(['export', notARun, '--out', join(tmp, 'a-file')], `--out ${join(tmp, 'a-file')} exists and is a file, not a folder`);
      // The same run directory, but a real run: still the path error, still nothing written.
      await refused(['export', run, '--out', join(tmp, 'a-file', 'export')], `${join(tmp, 'a-file')} is a file, not a folder`);
    } finally {
      rmSync(notARun, { recursive: true });
      rmSync(join(tmp, 'a-file'));
    }
  });
});

describe('counts are bounded', () => {
  it('eval --iw 2^53 − 1 and sample --n 999999999; a grid-only --n beyond the grid asks for --npy', async () => {
    await refused(['eval', run, '--iw', '9007199254740991', '--no-probe'], 'must be an integer in [1, 10000] (got 9007199254740991)');
    await refused(['sample', run, '--n', '999999999'], '--n must be an integer in [1, 10000000] (got 999999999)');
    await refused(['sample', run, '--n', '10001', '--out', join(tmp, 'grid.png')], '--n 10001: a PNG grid shows at most 10000 samples; write all 10001 with --npy <file>');
  });

  it('--threads beyond the core count is capped with a one-line note', async () => {
    const cores = availableParallelism();
    const r = await latentkit(['eval', run, '--no-probe', '--json', '--threads', String(cores + 198)], tmp);
    expectOk(r);
    expect(r.stderr).toBe(`latentkit: note: --threads ${cores + 198} is more than the ${cores} core${cores === 1 ? '' : 's'} here; using ${cores}\n`);
  });
});

describe('sample streams large n', () => {
  it('--npy of 5,500 samples (two decode chunks): one draw’s rows, bit for bit, and a grid of them all', async () => {
    const npy = join(tmp, 'many.npy');
    const png = join(tmp, 'many.png');
    const r = await latentkit(['sample', run, '--n', '5500', '--npy', npy, '--out', png, '--seed', '3', '--threads', '1'], tmp);
    expectOk(r);
    const streamed = loadNpy(npy);
    expect([streamed.n, ...streamed.sampleShape]).toEqual([5500, 784]);
    // All at once, as before streaming: one prior draw of 5,500 codes, one decode.
    const loaded = await loadRun(run);
    const codec = await openCodec(loaded, { backend: nodeBackend, threads: 1 });
    try {
      const z = await drawPriorCodes(codec, planPrior(loaded.config.model, undefined, 1), { n: 5500, seed: 3, temperature: 1, train: () => { throw new Error('a VAE samples its own prior'); } });
      const x = await codec.decode(z, 5500);
      expect(streamed.x.length).toBe(x.length);
      let differ = 0;
      for (let i = 0; i < x.length; i++) if (streamed.x[i] !== x[i]) differ++;
      expect(differ, 'values that differ from the one-shot draw').toBe(0);
    } finally {
      await codec.release();
    }
    expect(existsSync(png)).toBe(true);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-')), 'no temp files left').toEqual([]);
    rmSync(npy);
    rmSync(png);
  }, 60_000);
});
