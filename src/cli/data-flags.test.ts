/**
 * End-to-end tests of the data flags of `latentkit train` (--label-column, --test-fraction,
 * --binarize, --standardize) and of user data (PNG folders, CSV): bad input ends with one
 * stderr line naming the flag or file, exit ≠ 0 and no run directory; good input trains, and
 * eval/export re-apply the run's split and transforms.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt, expectOk, expectUserError, latentkit } from '../test-support/cli-harness.js';

/** Each test spawns the CLI (1–3 s to start on a busy 2-core machine), some several times. */
const TRAIN_TIMEOUT = 60_000;
const TINY = ['--hidden', '8', '--latent', '2', '--threads', '1', '--quiet', '--epochs', '1', '--batch-size', '16', '--no-report'];

let tmp: string;
beforeAll(() => {
  ensureDistBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'latentkit-data-flags-'));
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fresh = (name: string): string => mkdtempSync(join(tmp, `${name}-`));

function grayPng(w: number, h: number, fill: number): Buffer {
  const img = new PNG({ width: w, height: h });
  img.data = Buffer.alloc(w * h, fill);
  return PNG.sync.write(img, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}

/** A labelled folder: `per` 4×4 grayscale images in each of the classes. */
function pngFolder(dir: string, classes: readonly string[], per: number): void {
  classes.forEach((c, k) => {
    mkdirSync(join(dir, c), { recursive: true });
    for (let i = 0; i < per; i++) writeFileSync(join(dir, c, `${i}.png`), grayPng(4, 4, (k * 60 + i * 7) % 256));
  });
}

describe.concurrent('data flags: user errors name the flag or file; nothing is written', () => {
  it.each([
    { args: ['--test-fraction', '1.5'], mention: '--test-fraction' },
    { args: ['--test-fraction', '0'], mention: '--test-fraction' },
    { args: ['--binarize', 'maybe'], mention: '--binarize' },
    { args: ['--label-column', ' '], mention: '--label-column' },
  ])('train $args.0 $args.1 → rejected', async ({ args, mention }) => {
    const cwd = fresh('flag');
    const out = join(cwd, 'run');
    expectUserError(await latentkit(['train', ...args, '--out', out, ...TINY], cwd), mention);
    expect(existsSync(out)).toBe(false);
  }, TRAIN_TIMEOUT);

  it('a PNG folder with mixed image sizes → names the file and both sizes', async () => {
    const cwd = fresh('mixed');
    const data = join(cwd, 'data');
    pngFolder(data, ['a', 'b'], 3);
    writeFileSync(join(data, 'b', 'odd.png'), grayPng(5, 4, 0));
    const out = join(cwd, 'run');
    const line = expectUserError(await latentkit(['train', '--data', data, '--out', out, ...TINY], cwd), join(data, 'b', 'odd.png'));
    expect(line).toContain('is 5×4 grayscale, but the first image');
    expect(existsSync(out)).toBe(false);
  }, TRAIN_TIMEOUT);

  it('a corrupt PNG and an empty folder → name the file or folder', async () => {
    const cwd = fresh('corrupt');
    const data = join(cwd, 'data');
    pngFolder(data, ['a'], 2);
    writeFileSync(join(data, 'a', 'bad.png'), 'not a png');
    expectUserError(await latentkit(['train', '--data', data, '--out', join(cwd, 'run'), ...TINY], cwd), `${join(data, 'a', 'bad.png')} is not a readable PNG`);
    const empty = join(cwd, 'empty');
    mkdirSync(empty);
    expectUserError(await latentkit(['train', '--data', empty, '--out', join(cwd, 'run2'), ...TINY], cwd), `no PNG images in ${empty}`);
    expect(existsSync(join(cwd, 'run'))).toBe(false);
    expect(existsSync(join(cwd, 'run2'))).toBe(false);
  }, TRAIN_TIMEOUT);

  it('a ragged CSV → file:line; a quoted non-numeric cell → file:line:column', async () => {
    const cwd = fresh('csv');
    const csv = join(cwd, 'd.csv');
    writeFileSync(csv, 'a,b,label\n1,2,0\n3,4,1\n5,6\n');
    expectUserError(await latentkit(['train', '--data', csv, '--out', join(cwd, 'run'), ...TINY], cwd), `${csv}:4: expected 3 columns, found 2`);
    writeFileSync(csv, 'a,b,label\n1,2,0\n3,"4,5",1\n');
    expectUserError(await latentkit(['train', '--data', csv, '--out', join(cwd, 'run'), ...TINY], cwd), `${csv}:3:2: cell "4,5" is not a finite number`);
    expect(existsSync(join(cwd, 'run'))).toBe(false);
  }, TRAIN_TIMEOUT);

  it('--binarize with --standardize, and --test-fraction on data with a fixed split → one line each', async () => {
    const cwd = fresh('conflict');
    expectUserError(await latentkit(['train', '--binarize', 'static', '--standardize', '--out', join(cwd, 'run'), ...TINY], cwd), '--binarize and --standardize cannot be combined');
    expectUserError(await latentkit(['train', '--test-fraction', '0.2', '--out', join(cwd, 'run'), ...TINY], cwd), '--test-fraction applies to data without its own test set');
    expect(existsSync(join(cwd, 'run'))).toBe(false);
  }, TRAIN_TIMEOUT);
});

describe('data flags: training on user data', () => {
  it(
    'CSV with --label-column N --test-fraction --standardize: recorded in config.json; eval and export re-apply it',
    async () => {
      const cwd = fresh('csv-ok');
      const csv = join(cwd, 'd.csv');
      // Label first, sorted by label: a tail split would hold only class 2.
      const rows = Array.from({ length: 90 }, (_, i) => `${Math.floor(i / 30)},${(i % 9) / 9},${(i % 4) / 4},${(i % 5) * 10},7`);
      writeFileSync(csv, rows.join('\n') + '\n');
      const out = join(cwd, 'run');
      const r = await latentkit(['train', '--model', 'ae', '--loss', 'mse', '--output-activation', 'linear', '--data', csv, '--label-column', '0', '--test-fraction', '0.2', '--standardize', '--seed', '5', '--out', out, '--json', ...TINY], cwd);
      expectOk(r);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { data: Record<string, unknown>; model: { inputShape: number[] } };
      expect(config.data).toEqual({ spec: csv, labelColumn: 0, testFraction: 0.2, standardize: true, splitSeed: 5 });
      expect(config.model.inputShape).toEqual([4]);
      const stats = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8')) as { standardize: { std: number[] } };
      expect(stats.standardize.std[3]).toBe(1); // the constant column
      const ev = await latentkit(['eval', out, '--json', '--threads', '1'], cwd);
      expectOk(ev);
      const summary = JSON.parse(ev.stdout) as { samples: number; test: Record<string, number> };
      expect(summary.samples).toBe(18);
      expect(summary.test['mse']).toBeCloseTo((JSON.parse(r.stdout) as { test: Record<string, number> }).test['mse']!, 5);
      expectOk(await latentkit(['export', out], cwd));
      const model = JSON.parse(readFileSync(join(out, 'export', 'model.json'), 'utf8')) as { preprocess: { steps: { op: string; mean: number[] }[] } };
      expect(model.preprocess.steps.map((s) => s.op)).toEqual(['standardize']);
      expect(model.preprocess.steps[0]!.mean).toHaveLength(4);
    },
    TRAIN_TIMEOUT,
  );

  it(
    'a PNG folder with class sub-folders and --binarize dynamic trains a labelled model (cvae)',
    async () => {
      const cwd = fresh('png-ok');
      const data = join(cwd, 'data');
      pngFolder(data, ['cat', 'dog', 'owl'], 12);
      const out = join(cwd, 'run');
      const r = await latentkit(['train', '--model', 'cvae', '--data', data, '--binarize', 'dynamic', '--out', out, '--json', ...TINY], cwd);
      expectOk(r);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { data: Record<string, unknown>; model: { inputShape: number[]; numClasses: number } };
      expect(config.data).toMatchObject({ spec: data, binarize: 'dynamic', testFraction: 0.1, splitSeed: 0 });
      expect(config.model.numClasses).toBe(3);
      expect(config.model.inputShape).toEqual([16]);
    },
    TRAIN_TIMEOUT,
  );
});
