/**
 * A full disk (issue 10, "an ENOSPC test"): on a 3 MiB tmpfs, a run's checkpoint fits; with the
 * disk then filled, `train --resume` must end in one line naming the file and ENOSPC, exit 1,
 * leave the previous checkpoint byte-identical and no temp file of the failed write, and, once
 * space is freed, `eval` reads the run and the resume completes. Needs root (mount); skipped
 * with the reason otherwise.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt, expectOk, expectUserError, latentkit } from '../test-support/cli-harness.js';

const TRAIN = ['train', '--limit', '256', '--hidden', '16', '--latent', '2', '--threads', '1', '--no-report', '--quiet'];
const TEMP_FILE = /^\..+\.tmp-\d+-[0-9a-f]{12}$/;

let tmp: string;
let disk: string;
/** Why the test cannot run here, or undefined when the tmpfs is mounted. */
let cannotMount: string | undefined;

beforeAll(() => {
  ensureDistBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-enospc-'));
  disk = join(tmp, 'disk');
  mkdirSync(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk], { stdio: 'pipe' });
  } catch (e) {
    cannotMount = `cannot mount a tmpfs here (needs root): ${((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim()}`;
  }
}, 180_000);

afterAll(() => {
  if (!tmp) return;
  if (!cannotMount) execFileSync('umount', [disk]);
  rmSync(tmp, { recursive: true, force: true });
});

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/** Fills the disk of `dir` with a file `name` until at most `leave` bytes stay free. */
function fill(dir: string, name: string, leave: number): void {
  const fd = openSync(join(dir, name), 'a');
  const chunk = Buffer.alloc(4096, 1);
  try {
    while (freeBytes(dir) > leave) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

describe('a full disk', () => {
  it('train --resume: one line naming the file and ENOSPC, the previous checkpoint intact and loadable once space is freed', async (ctx) => {
    if (cannotMount) ctx.skip(cannotMount);
    const run = join(disk, 'run');
    expectOk(await latentkit([...TRAIN, '--epochs', '1', '--out', run], tmp));
    const checkpoint = join(run, 'checkpoint.safetensors');
    const before = sha(checkpoint);
    const size = readFileSync(checkpoint).length;
    const evalArgs = ['eval', run, '--no-probe', '--threads', '1', '--json'];
    const evaluatedBefore = await latentkit(evalArgs, tmp);
    expectOk(evaluatedBefore);

    // Room for the small files (lock, metrics, config), not for a second checkpoint beside the first.
    fill(disk, 'filler-1', size / 4);
    const full = expectUserError(await latentkit(['train', '--resume', run, '--epochs', '2', '--quiet', '--no-report'], tmp), 'ENOSPC');
    expect(full).toBe(`latentkit: error: cannot write ${checkpoint}: no space left on the device (ENOSPC)`);
    expect(sha(checkpoint)).toBe(before);
    expect(readdirSync(run).filter((f) => TEMP_FILE.test(f) || f === '.lock')).toEqual([]);

    // No room at all: the first write fails, whichever it is, with the same kind of line.
    fill(disk, 'filler-2', 0);
    const none = expectUserError(await latentkit(['train', '--resume', run, '--epochs', '2', '--quiet', '--no-report'], tmp), 'ENOSPC');
    expect(none).toMatch(new RegExp(`^latentkit: error: cannot \\w+ ${run}/[\\w.]+: no space left on the device \\(ENOSPC\\)$`));
    expect(sha(checkpoint)).toBe(before);
    expect(readdirSync(run).filter((f) => TEMP_FILE.test(f))).toEqual([]);

    // Space freed: the run is readable and resumable from the kept checkpoint.
    rmSync(join(disk, 'filler-1'));
    rmSync(join(disk, 'filler-2'));
    const evaluated = await latentkit(evalArgs, tmp);
    expectOk(evaluated);
    expect(evaluated.stdout).toBe(evaluatedBefore.stdout);
    expectOk(await latentkit(['train', '--resume', run, '--epochs', '2', '--quiet', '--no-report'], tmp));
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch)).toEqual([1, 2]);
  }, 120_000);
});
