/**
 * Reliability of the run directory (issue 10, defects 1 and 2), end to end through
 * `node bin/latentkit.js`:
 * - one writer per run: a second `train` on a directory in use is refused in one line naming
 *   the writer's pid, and touches nothing; a lock left by a killed writer is taken over;
 * - a diverged epoch is never saved: the previous checkpoint stays byte-identical.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureDistBuilt, expectOk, expectUserError, latentkit, snapshot } from '../test-support/cli-harness.js';

let tmp: string;
beforeAll(() => {
  ensureDistBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-reliability-'));
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('one writer per run directory', () => {
  it('a second writer is refused while the first trains; a killed writer’s lock is taken over', async () => {
    const out = join(tmp, 'busy');
    const first = spawn(process.execPath, [BIN, 'train', '--epochs', '200', '--limit', '2048', '--hidden', '32', '--latent', '2', '--threads', '1', '--quiet', '--no-report', '--out', out], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 600 && !existsSync(join(out, 'checkpoint.safetensors')); i++) await sleep(100);
      expect(existsSync(join(out, '.lock')), 'the writer holds the lock').toBe(true);
      const before = readFileSync(join(out, 'config.json'), 'utf8');
      const line = expectUserError(await latentkit(['train', '--epochs', '1', '--latent', '10', '--out', out, '--force', '--quiet', '--no-report'], tmp), `${out} is in use by pid ${first.pid}`);
      expect(line).toMatch(/^latentkit: error: /);
      expectUserError(await latentkit(['train', '--resume', out, '--epochs', '300', '--quiet', '--no-report'], tmp), `is in use by pid ${first.pid}`);
      expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(before);
    } finally {
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
    }
    // The killed writer left its lock behind: stale, so the next writer takes over.
    expect(existsSync(join(out, '.lock'))).toBe(true);
    expectOk(await latentkit(['train', '--epochs', '1', '--limit', '256', '--hidden', '16', '--latent', '3', '--threads', '1', '--out', out, '--force', '--quiet', '--no-report'], tmp));
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model.latent).toBe(3);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch)).toEqual([1]);
    expect(existsSync(join(out, '.lock')), 'released at the end').toBe(false);
  }, 120_000);
});

describe('a diverged epoch is never saved', () => {
  const rows = (scale: number): string => Array.from({ length: 120 }, (_, i) => [i % 3, ...Array.from({ length: 6 }, (_, j) => (((i * 7 + j * 5) % 11) / 10 + 0.05) * scale)].join(',')).join('\n');
  const flags = ['--model', 'ae', '--hidden', 'none', '--latent', '2', '--loss', 'mse', '--output-activation', 'linear', '--optimizer', 'sgd', '--lr', '0.01', '--batch-size', '512', '--threads', '1', '--quiet', '--no-report'];

  it('NaN weights after the last update of an epoch: exit 1, one line, the previous checkpoint byte-identical', async () => {
    const csv = join(tmp, 'data.csv');
    const out = join(tmp, 'diverge');
    writeFileSync(csv, `label,a,b,c,d,e,f\n${rows(1)}\n`);
    expectOk(await latentkit(['train', ...flags, '--data', csv, '--epochs', '1', '--out', out], tmp));
    const ckpt = sha(join(out, 'checkpoint.safetensors'));
    const files = snapshot(out);
    // The same rows at 1e15: epoch 2's single step starts from finite weights and a finite loss,
    // and its update leaves weights whose test terms overflow.
    writeFileSync(csv, `label,a,b,c,d,e,f\n${rows(1e15)}\n`);
    const line = expectUserError(await latentkit(['train', '--resume', out, '--epochs', '2', '--quiet', '--no-report'], tmp), 'training diverged in epoch 2');
    // --resume keeps the run's own --lr, so the advice is a new run's.
    expect(line).toMatch(/the checkpoint of epoch 1 is kept\. Start a new run with a lower --lr \(was 0\.01\)/);
    expect(sha(join(out, 'checkpoint.safetensors'))).toBe(ckpt);
    // Everything but config.json (which records the requested --epochs 2) is byte-identical.
    const { 'config.json': _before, ...rest } = files;
    const { 'config.json': _after, ...now } = snapshot(out);
    expect(now).toEqual(rest);
  }, 60_000);
});

describe('a start that never reached its first checkpoint', () => {
  it('can be started again in the same directory without --force; temp files of killed writes are removed', async () => {
    const csv = join(tmp, 'huge.csv');
    const out = join(tmp, 'restart');
    writeFileSync(csv, `a,b,c\n${Array.from({ length: 50 }, (_, i) => `${(i % 7) * 1e18},${1e18},${(i % 3) * 1e18}`).join('\n')}\n`);
    const flags = ['--model', 'ae', '--hidden', 'none', '--latent', '2', '--loss', 'mse', '--output-activation', 'linear', '--optimizer', 'sgd', '--lr', '1', '--threads', '1', '--quiet', '--no-report', '--epochs', '1'];
    expect(expectUserError(await latentkit(['train', ...flags, '--data', csv, '--out', out], tmp), 'training diverged')).toMatch(/no checkpoint was written\. Start a new run with a lower --lr \(was 1\)/);
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(false);
    expectUserError(await latentkit(['train', '--resume', out, '--quiet'], tmp), 'start it again without --resume');
    const stale = join(out, '.checkpoint.safetensors.tmp-99999999-0123456789ab');
    writeFileSync(stale, 'half a checkpoint');
    expectOk(await latentkit(['train', '--epochs', '1', '--limit', '256', '--hidden', '16', '--latent', '2', '--threads', '1', '--quiet', '--no-report', '--out', out], tmp));
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    // A finished run is still protected: a new run needs --force.
    expectUserError(await latentkit(['train', '--epochs', '1', '--limit', '256', '--out', out, '--quiet', '--no-report'], tmp), 'already exists; pass --force');
  }, 60_000);
});

describe('file-system mistakes and closed pipes are one line, not a stack trace', () => {
  it('sample --out into a missing folder, export --out onto a file, a FIFO as --data; eval | head exits 0', async () => {
    const run = join(tmp, 'small');
    expectOk(await latentkit(['train', '--epochs', '1', '--limit', '256', '--hidden', '16', '--latent', '2', '--threads', '1', '--quiet', '--no-report', '--out', run], tmp));
    const files = snapshot(run);
    expectUserError(await latentkit(['sample', run, '--out', join(tmp, 'missing', 'x.png')], tmp), `--out ${join(tmp, 'missing', 'x.png')}: the folder ${join(tmp, 'missing')} does not exist`);
    writeFileSync(join(tmp, 'a-file'), 'x');
    expectUserError(await latentkit(['export', run, '--out', join(tmp, 'a-file')], tmp), `--out ${join(tmp, 'a-file')} exists and is a file, not a folder`);
    expect(snapshot(run)).toEqual(files);
    const fifo = join(tmp, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    expectUserError(await latentkit(['train', '--data', fifo, '--out', join(tmp, 'never'), '--quiet'], tmp), `${fifo} is not a regular file or a folder`);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
    // A reader that has gone before the output comes, as `| head -1` has after its line.
    const child = spawn(process.execPath, [BIN, 'eval', run, '--no-probe', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(stderr).not.toMatch(/EPIPE|    at /);
    expect(code).toBe(0);
  }, 60_000);
});
