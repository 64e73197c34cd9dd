/**
 * kill -9 at any moment loses nothing (issue 10, "a kill -9 test"): a child `latentkit train`
 * is killed with SIGKILL at 10 seeded random moments, then resumed from its checkpoint (or, when
 * none was written yet, started again with the same command and --out). Every trial must end
 * bit-identical to one uninterrupted reference run:
 * - the sha256 of every checkpoint tensor (name, shape, float32 bytes),
 * - metrics.jsonl line by line, without its timing fields (`seconds`, `samples_per_sec`),
 * - config.json, state.json and the pictures (reconstructions.png, samples.png), byte for byte,
 * and must leave no temp file of a killed write and no lock behind.
 *
 * The moments: the child's start (data loading and compilation, before the run directory is
 * locked) takes most of its second, its 4 epochs only ~100 ms, so moments uniform over the whole
 * run would nearly all land before the first checkpoint. The seeded moments are therefore drawn
 * per phase: a delay uniform over the reference run's start, or a delay after the child takes
 * the run lock, uniform over the reference run's training and pictures, or the creation of the
 * k-th checkpoint's temp file (persist/atomic.ts `tempPathFor`), watched with fs.watch so the
 * kill lands inside writeFileAtomic, between the temp file's creation and its rename.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../nn/rng.js';
import { readSafetensorsFile } from '../persist/safetensors.js';
import { BIN, ensureDistBuilt, expectOk, latentkit } from '../test-support/cli-harness.js';

const EPOCHS = 4;
const TRAIN = ['train', '--epochs', String(EPOCHS), '--limit', '256', '--hidden', '16', '--latent', '2', '--threads', '1', '--seed', '3', '--no-report', '--quiet'];
const PICTURES = ['reconstructions.png', 'samples.png'];
const TEMP_FILE = /^\..+\.tmp-\d+-[0-9a-f]{12}$/;
const CHECKPOINT_TEMP = /^\.checkpoint\.safetensors\.tmp-/;

let tmp: string;
beforeAll(() => {
  ensureDistBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-kill-'));
}, 180_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** What an interrupted run must reproduce exactly. */
interface RunResult {
  readonly tensors: Record<string, string>;
  readonly metrics: readonly string[];
  readonly files: Record<string, string>;
}

async function resultOf(dir: string): Promise<RunResult> {
  const { tensors } = await readSafetensorsFile(join(dir, 'checkpoint.safetensors'));
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const { seconds: _s, samples_per_sec: _r, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
  return {
    tensors: Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, sha(`${t.shape}:${sha(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))}`)])),
    metrics,
    files: Object.fromEntries(['config.json', 'state.json', ...PICTURES].map((f) => [f, existsSync(join(dir, f)) ? sha(readFileSync(join(dir, f))) : 'missing'])),
  };
}

/**
 * When to kill: a delay from the spawn, a delay after the run lock appears, the creation of the
 * k-th file matching `file`, or the k-th rename onto `name`.
 */
type Moment =
  | { readonly kind: 'start'; readonly ms: number }
  | { readonly kind: 'locked'; readonly ms: number }
  | { readonly kind: 'file'; readonly file: RegExp; readonly k: number; readonly label: string }
  | { readonly kind: 'renamed'; readonly name: string; readonly k: number };

function describeMoment(m: Moment): string {
  if (m.kind === 'file') return `${m.label} ${m.k}`;
  if (m.kind === 'renamed') return `rename ${m.k} onto ${m.name}`;
  return `${m.kind} + ${m.ms.toFixed(0)} ms`;
}

interface Killed {
  /** Whether the child was killed (false: it finished before the moment came). */
  readonly killed: boolean;
  /** Files in the run directory right after the kill. */
  readonly left: readonly string[];
}

/** Runs `train … --out dir` and SIGKILLs it at `moment`. */
async function trainAndKill(dir: string, moment: Moment): Promise<Killed> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [BIN, ...TRAIN, '--out', dir], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const seen = new Set<string>();
  let renames = 0;
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, (event, name) => {
    if (!name) return;
    if (moment.kind === 'renamed' && event === 'rename' && name === moment.name && ++renames === moment.k) kill();
    if (seen.has(name)) return;
    seen.add(name);
    if (moment.kind === 'locked' && name === '.lock' && timer === undefined) timer = setTimeout(kill, moment.ms);
    if (moment.kind === 'file' && moment.file.test(name) && [...seen].filter((f) => moment.file.test(f)).length === moment.k) kill();
  });
  if (moment.kind === 'start') timer = setTimeout(kill, moment.ms);
  const signal = await exited;
  clearTimeout(timer);
  watcher.close();
  return { killed: signal === 'SIGKILL', left: readdirSync(dir) };
}

/** Finishes an interrupted run: resume from its checkpoint, or start it again when none was written. */
async function finish(dir: string): Promise<'resumed' | 'restarted'> {
  const resumable = existsSync(join(dir, 'checkpoint.safetensors'));
  expectOk(await latentkit(resumable ? ['train', '--resume', dir, '--no-report', '--quiet'] : [...TRAIN, '--out', dir], tmp));
  return resumable ? 'resumed' : 'restarted';
}

describe('kill -9 at seeded random moments', () => {
  it('every killed run, resumed or restarted, ends bit-identical to the uninterrupted run', async () => {
    // The reference, with the times of its phases: start → lock (loading, compiling), lock → exit (training, pictures).
    const refDir = join(tmp, 'reference');
    mkdirSync(refDir);
    const t0 = performance.now();
    let lockedAt = Number.NaN;
    const watcher = watch(refDir, (_e, name) => {
      if (name === '.lock' && Number.isNaN(lockedAt)) lockedAt = performance.now();
    });
    expectOk(await latentkit([...TRAIN, '--out', refDir], tmp));
    const t1 = performance.now();
    watcher.close();
    expect(Number.isFinite(lockedAt), 'the reference run took the lock').toBe(true);
    const reference = await resultOf(refDir);
    expect(reference.metrics).toHaveLength(EPOCHS);
    expect(Object.values(reference.files)).not.toContain('missing');

    const rng = new Rng('kill-resume');
    // Three kinds of moment, in a fixed mix so each is covered; the moments themselves are seeded.
    const kinds = ['start', 'locked', 'checkpoint', 'locked', 'checkpoint', 'locked', 'checkpoint', 'locked', 'checkpoint', 'locked'] as const;
    const moments: Moment[] = kinds.map((kind) =>
      kind === 'start'
        ? { kind, ms: rng.uniform() * (lockedAt - t0) }
        : kind === 'locked'
          ? { kind, ms: rng.uniform() * (t1 - lockedAt) }
          : { kind: 'file', file: CHECKPOINT_TEMP, k: 1 + rng.int(EPOCHS), label: 'checkpoint write' },
    );
    const log: string[] = [];
    let duringWrite = 0;
    for (const [i, moment] of moments.entries()) {
      const dir = join(tmp, `trial-${i}`);
      const { killed, left } = await trainAndKill(dir, moment);
      const inWrite = left.some((f) => CHECKPOINT_TEMP.test(f));
      if (moment.kind === 'file' && inWrite) duringWrite++;
      const how = killed ? await finish(dir) : 'finished before the kill';
      log.push(`trial ${i}: ${describeMoment(moment)}; left ${left.filter((f) => f.endsWith('.safetensors') || TEMP_FILE.test(f)).join(' ') || 'no checkpoint'}; ${how}`);
      expect(await resultOf(dir), log.at(-1)).toEqual(reference);
      expect(readdirSync(dir).filter((f) => TEMP_FILE.test(f) || f === '.lock'), `${log.at(-1)}: no temp file or lock is left`).toEqual([]);
    }
    // The checkpoint-write moments must really have hit writes in progress (the temp file was left behind).
    expect(duringWrite, log.join('\n')).toBeGreaterThanOrEqual(1);
    expect(log.filter((l) => l.endsWith('resumed')).length, log.join('\n')).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('killed after the final checkpoint, before the pictures: --resume writes them (and the state.json mirror), identical to the uninterrupted run', async () => {
    const refDir = join(tmp, 'reference');
    if (!existsSync(join(refDir, 'samples.png'))) expectOk(await latentkit([...TRAIN, '--out', refDir], tmp));
    const reference = await resultOf(refDir);
    // state.json mirrors each checkpoint right after its rename: killed while the final mirror is
    // written (it may stay an epoch behind), and killed once it is in place.
    const moments: Moment[] = [
      { kind: 'file', file: /^\.state\.json\.tmp-/, k: EPOCHS, label: 'final state.json write' },
      { kind: 'renamed', name: 'state.json', k: EPOCHS },
    ];
    for (const [i, moment] of moments.entries()) {
      const dir = join(tmp, `final-${i}`);
      const { killed, left } = await trainAndKill(dir, moment);
      expect(killed, describeMoment(moment)).toBe(true);
      expect(left.filter((f) => PICTURES.includes(f)), describeMoment(moment)).toEqual([]);
      expect((JSON.parse((await readSafetensorsFile(join(dir, 'checkpoint.safetensors'))).metadata['progress']!) as { epoch: number }).epoch).toBe(EPOCHS);
      const r = await latentkit(['train', '--resume', dir, '--no-report'], tmp);
      expectOk(r);
      expect(r.stderr).toContain(`training already finished (epoch ${EPOCHS} of ${EPOCHS}); writing the final outputs (pictures)`);
      expect(await resultOf(dir), describeMoment(moment)).toEqual(reference);
      expect(readdirSync(dir).filter((f) => TEMP_FILE.test(f) || f === '.lock')).toEqual([]);
    }
    // Once more on a complete run: everything is rewritten to the same bytes.
    expectOk(await latentkit(['train', '--resume', join(tmp, 'final-1'), '--no-report', '--quiet'], tmp));
    expect(await resultOf(join(tmp, 'final-1'))).toEqual(reference);
  }, 90_000);
});
