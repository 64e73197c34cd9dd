/**
 * End-to-end tests of the `latentkit` command: each test spawns `node bin/latentkit.js ...`
 * (which runs the compiled dist/), in a temporary working directory.
 *
 * Contract under test (src/cli/main.ts): a user mistake ends with exit code ≠ 0, exactly one
 * line on stderr naming the offending flag or file, no stack trace, and nothing written to the
 * files it refused to touch. A successful `--json` run prints one JSON summary on stdout and
 * leaves a complete run directory; `--resume` reproduces an uninterrupted run bit for bit.
 *
 * dist/ is rebuilt (tsc) in beforeAll when it is missing or older than a source file; `npm test`
 * builds it first anyway.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt, expectOk, expectUserError, latentkit, show, snapshot } from '../test-support/cli-harness.js';

/** Generous per-test limit for tests that train (each tiny run takes ~1 s). */
const TRAIN_TIMEOUT = 60_000;

const readJsonLines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A metrics.jsonl record without its wall-clock fields. */
function deterministicPart(m: Record<string, unknown>): Record<string, unknown> {
  const { seconds: _s, samples_per_sec: _r, ...rest } = m;
  return rest;
}

/** Flags of a tiny, deterministic training run (the report is tested in workflow/report-run.browser.test.ts). */
const TINY = ['--limit', '256', '--hidden', '16', '--latent', '2', '--threads', '1', '--quiet', '--no-report'];

let tmp: string;

beforeAll(() => {
  ensureDistBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-cli-'));
}, 180_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh, empty directory under the test's temp dir. */
function freshDir(name: string): string {
  const d = mkdtempSync(join(tmp, `${name}-`));
  return d;
}

// ---------------------------------------------------------------- user errors

describe.concurrent('user errors: exit ≠ 0, one stderr line naming the flag or file, no stack trace', () => {
  const flagCases: readonly { args: string[]; mention: string }[] = [
    { args: ['--model', 'nope'], mention: 'nope' },
    { args: ['--latent', '0'], mention: '--latent' },
    { args: ['--epochs', '0'], mention: '--epochs' },
    { args: ['--batch-size', '-3'], mention: '--batch-size' },
    { args: ['--hidden', '400,0'], mention: '--hidden' },
    { args: ['--lr', 'abc'], mention: '--lr' },
  ];

  it.each(flagCases)('train $args.0 $args.1 → rejects, naming $mention', async ({ args, mention }) => {
    const cwd = freshDir('flag');
    const out = join(cwd, 'run');
    const r = await latentkit(['train', ...args, '--out', out, ...TINY], cwd);
    expectUserError(r, mention);
    expect(existsSync(out), 'no run directory is created for a bad flag').toBe(false);
  });

  it('train --data /nonexistent/file.csv → "not found", naming the file', async () => {
    const cwd = freshDir('nodata');
    const r = await latentkit(['train', '--data', '/nonexistent/file.csv', '--out', join(cwd, 'run'), ...TINY], cwd);
    expectUserError(r, '/nonexistent/file.csv');
  });

  it('train --data fashion-mnist --data-dir /nonexistent → names the directory', async () => {
    const cwd = freshDir('nodir');
    const r = await latentkit(['train', '--data', 'fashion-mnist', '--data-dir', '/nonexistent', '--out', join(cwd, 'run'), ...TINY], cwd);
    expectUserError(r, '/nonexistent');
  });

  it('train --resume <empty dir> → no checkpoint, naming the directory; the directory stays empty', async () => {
    const cwd = freshDir('resume-empty');
    const dir = join(cwd, 'empty');
    mkdirSync(dir);
    const r = await latentkit(['train', '--resume', dir, '--threads', '1', '--quiet', '--no-report'], cwd);
    expectUserError(r, dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('train --out <existing non-empty dir> without --force → refuses; the existing files are byte-identical', async () => {
    const cwd = freshDir('out-exists');
    const dir = join(cwd, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'precious\n');
    writeFileSync(join(dir, 'config.json'), '{"not":"a run"}\n');
    writeFileSync(join(dir, 'metrics.jsonl'), Buffer.from([0, 1, 2, 255]));
    const before = snapshot(dir);
    const r = await latentkit(['train', '--out', dir, ...TINY, '--epochs', '1'], cwd);
    expectUserError(r, dir);
    expect(r.stderr).toContain('--force');
    expect(snapshot(dir), 'no file added, removed or changed').toEqual(before);
  });

  it.each([
    { cell: 'NaN', line: 7 },
    { cell: '1e40', line: 12 },
  ])('train --data <csv with $cell on line $line> → names file:line', async ({ cell, line }) => {
    const cwd = freshDir('csv');
    const csv = join(cwd, 'bad.csv');
    const rows = Array.from({ length: 20 }, (_, i) => [0.1, 0.2, 0.3, 0.4].map((v) => (v + i / 100).toFixed(3)));
    rows[line - 1]![2] = cell;
    writeFileSync(csv, rows.map((r) => r.join(',')).join('\n') + '\n');
    const before = readFileSync(csv);
    const r = await latentkit(['train', '--data', csv, '--out', join(cwd, 'run'), ...TINY, '--epochs', '1'], cwd);
    expectUserError(r, `${csv}:${line}`);
    expect(readFileSync(csv).equals(before)).toBe(true);
  });
});

describe('--force', () => {
  it(
    'removes the previous run before training, so an interrupted forced run cannot be resumed from the old checkpoint',
    async () => {
      const cwd = freshDir('force');
      const dir = join(cwd, 'run');
      expectOk(await latentkit(['train', '--out', dir, ...TINY, '--epochs', '1'], cwd));
      writeFileSync(join(dir, 'notes.txt'), 'mine\n');
      // The forced run diverges at once (lr 1e30): it must not leave the old checkpoint behind.
      const r = await latentkit(['train', '--out', dir, ...TINY, '--epochs', '2', '--lr', '1e30', '--force'], cwd);
      expectUserError(r, 'diverged');
      expect(existsSync(join(dir, 'checkpoint.safetensors'))).toBe(false);
      expect(existsSync(join(dir, 'state.json'))).toBe(false);
      expect(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'files that are not the run\'s stay').toBe('mine\n');
      expectUserError(await latentkit(['train', '--resume', dir, '--threads', '1', '--quiet', '--no-report'], cwd), dir);
    },
    TRAIN_TIMEOUT,
  );
});

// ---------------------------------------------------------------- corrupt checkpoints

describe('a corrupt checkpoint', () => {
  let trained: string;

  beforeAll(async () => {
    const cwd = freshDir('corrupt-base');
    trained = join(cwd, 'run');
    expectOk(await latentkit(['train', ...TINY, '--epochs', '1', '--out', trained], cwd));
  }, TRAIN_TIMEOUT);

  const corruptions: readonly { what: string; apply: (file: string) => void; expect: RegExp }[] = [
    {
      what: 'truncated in its data section',
      apply: (f) => truncateSync(f, statSync(f).size - 100),
      expect: /truncated/,
    },
    { what: 'truncated inside its header', apply: (f) => truncateSync(f, 20), expect: /truncated/ },
    {
      what: 'with one flipped data byte',
      apply: (f) => {
        const b = readFileSync(f);
        b[b.length - 5] ^= 0x40;
        writeFileSync(f, b);
      },
      expect: /checksum/,
    },
  ];

  it.each(corruptions)(
    'train --resume <run with checkpoint $what> --epochs 2 → one-line error naming checkpoint.safetensors; no file in the run changes',
    async ({ apply, expect: pattern }) => {
      const cwd = freshDir('corrupt');
      const run = join(cwd, 'run');
      cpSync(trained, run, { recursive: true });
      const ckpt = join(run, 'checkpoint.safetensors');
      apply(ckpt);
      const before = snapshot(run);
      const r = await latentkit(['train', '--resume', run, '--epochs', '2', '--threads', '1', '--quiet', '--no-report'], cwd);
      const line = expectUserError(r, ckpt);
      expect(line).toMatch(pattern);
      expect(snapshot(run), 'the corrupt checkpoint and every other file are left as they were').toEqual(before);
    },
    TRAIN_TIMEOUT,
  );
});

// ---------------------------------------------------------------- successful runs

describe('train --json', () => {
  it(
    'train --limit 512 --epochs 2 --hidden 32 --latent 2 --json --threads 1 → one JSON summary on stdout and a complete run directory',
    async () => {
      const cwd = freshDir('json');
      const out = join(cwd, 'run');
      const r = await latentkit(['train', '--limit', '512', '--epochs', '2', '--hidden', '32', '--latent', '2', '--json', '--threads', '1', '--out', out], cwd);
      expectOk(r);

      // stdout: exactly one line, one JSON object.
      expect(r.stdout.endsWith('\n'), show(r)).toBe(true);
      const lines = r.stdout.slice(0, -1).split('\n');
      expect(lines, show(r)).toHaveLength(1);
      const summary = JSON.parse(lines[0]!) as Record<string, unknown> & { train: Record<string, number>; test: Record<string, number> };
      expect(Object.keys(summary).sort()).toEqual(['epochs', 'model', 'out', 'samples_per_sec', 'steps', 'test', 'train']);
      expect(summary['model']).toBe('vae');
      expect(summary['epochs']).toBe(2);
      expect(summary['steps']).toBe(2 * Math.ceil(512 / 128));
      expect(summary['out']).toBe(out);
      expect(summary['samples_per_sec']).toBeGreaterThan(0);
      expect(Number.isFinite(summary['samples_per_sec'])).toBe(true);
      for (const k of ['loss', 'recon', 'kl']) {
        expect(Object.keys(summary.train), 'train terms').toContain(k);
        expect(Object.keys(summary.test), 'test terms').toContain(k);
      }
      for (const v of [...Object.values(summary.train), ...Object.values(summary.test)]) expect(Number.isFinite(v)).toBe(true);
      // The loss is the per-sample negative ELBO: recon + kl (β = 1), in nats (≈ 784·ln 2 at the start).
      expect(summary.train['loss']).toBeCloseTo(summary.train['recon']! + summary.train['kl']!, 3);
      expect(summary.test['loss']).toBeCloseTo(summary.test['recon']! + summary.test['kl']!, 3);

      // The run directory: exactly these files (no leftover temp files).
      expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.jsonl', 'probe.json', 'reconstructions.png', 'report.html', 'samples.png', 'state.json']);
      const metrics = readJsonLines(join(out, 'metrics.jsonl'));
      expect(metrics).toHaveLength(2);
      expect(metrics.map((m) => [m['epoch'], m['step']])).toEqual([
        [1, 4],
        [2, 8],
      ]);
      // The summary reports the last epoch's metrics (its test terms may add end-of-run extras).
      expect(metrics[1]!['train']).toEqual(summary.train);
      expect(summary.test).toMatchObject(metrics[1]!['test'] as Record<string, number>);
      const state = JSON.parse(readFileSync(join(out, 'state.json'), 'utf8')) as Record<string, unknown>;
      expect(state).toMatchObject({ epoch: 2, step: 8, checkpoint: 'checkpoint.safetensors' });
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { model: Record<string, unknown>; train: Record<string, unknown>; data: Record<string, unknown> };
      expect(config.model).toMatchObject({ family: 'vae', latent: 2, hidden: [32], inputShape: [784] });
      expect(config.train).toMatchObject({ epochs: 2, batchSize: 128, seed: 0 });
      expect(config.data).toMatchObject({ spec: 'mnist', limit: 512 });
      const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      for (const f of ['reconstructions.png', 'samples.png']) expect(readFileSync(join(out, f)).subarray(0, 8).equals(PNG_MAGIC), f).toBe(true);
      // The checkpoint is a safetensors file holding the encoder's first weight as [784, 32].
      const ck = readFileSync(join(out, 'checkpoint.safetensors'));
      const headerLen = Number(ck.readBigUInt64LE(0));
      const header = JSON.parse(ck.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { shape?: number[] }>;
      expect(header['enc.0.W']?.shape).toEqual([784, 32]);
    },
    TRAIN_TIMEOUT,
  );
});

describe('resume', () => {
  it(
    'resume equivalence: --epochs 2 straight ≡ --epochs 1 then --resume --epochs 2 (byte-identical checkpoint, state, images; equal metrics)',
    async () => {
      const cwd = freshDir('resume');
      // 1,100 samples in batches of 64: 17 full steps (two chains of 8 steps per call, then one
      // single step) and a partial last batch in every epoch.
      const common = ['--limit', '1100', '--batch-size', '64', '--hidden', '16', '--latent', '2', '--seed', '3', '--threads', '1', '--quiet', '--no-report'];
      const a = join(cwd, 'a');
      const b = join(cwd, 'b');
      const [ra, rb] = await Promise.all([latentkit(['train', ...common, '--epochs', '2', '--out', a], cwd), latentkit(['train', ...common, '--epochs', '1', '--out', b], cwd)]);
      expectOk(ra);
      expectOk(rb);
      const afterOne = readJsonLines(join(b, 'metrics.jsonl'));
      expect(afterOne).toHaveLength(1);
      const rr = await latentkit(['train', '--resume', b, '--epochs', '2', '--threads', '1', '--quiet', '--no-report'], cwd);
      expectOk(rr);

      const ma = readJsonLines(join(a, 'metrics.jsonl'));
      const mb = readJsonLines(join(b, 'metrics.jsonl'));
      expect(mb).toHaveLength(2);
      expect(mb[0], 'epoch 1 line kept as written before the resume').toEqual(afterOne[0]);
      expect(mb.map(deterministicPart), 'metrics of both epochs').toEqual(ma.map(deterministicPart));
      const sa = snapshot(a);
      const sb = snapshot(b);
      expect(Object.keys(sb)).toEqual(Object.keys(sa));
      for (const f of ['checkpoint.safetensors', 'state.json', 'config.json', 'reconstructions.png', 'samples.png']) {
        expect(sb[f], `${f} is byte-identical`).toBe(sa[f]);
      }
    },
    TRAIN_TIMEOUT,
  );

  it(
    'train --resume <finished run> → exit 0, its final outputs rewritten to the same bytes; with --epochs below the trained count → one-line error; nothing changes',
    async () => {
      const cwd = freshDir('resume-done');
      const run = join(cwd, 'run');
      expectOk(await latentkit(['train', ...TINY, '--epochs', '2', '--out', run], cwd));
      const before = snapshot(run);
      const done = await latentkit(['train', '--resume', run, '--threads', '1', '--no-report'], cwd);
      expectOk(done);
      expect(done.stderr).toContain('training already finished (epoch 2 of 2); writing the final outputs (pictures)');
      expect(snapshot(run)).toEqual(before);
      expectUserError(await latentkit(['train', '--resume', run, '--epochs', '1', '--threads', '1', '--quiet', '--no-report'], cwd), 'the run already finished 2 epochs; pass --epochs N with N > 2');
      expect(snapshot(run)).toEqual(before);
    },
    TRAIN_TIMEOUT,
  );
});
