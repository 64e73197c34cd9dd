import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../data/errors.js';
import { UsageError } from '../errors.js';
import { exportRun } from './export-run.js';
import { describePreprocess, loadRunData, readRunPreprocess, writeRunPreprocess } from './run-data.js';
import { ConfigError, PREPROCESS_FILE, readRunConfig } from './run-dir.js';
import { trainRun } from './train-run.js';
import { expectOneLineError } from '../test-support/expect-error.js';

const root = mkdtempSync(join(tmpdir(), 'latentkit-run-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A label-sorted CSV: 40 rows of class 0, then 40 of class 1; 3 features, the 3rd constant. */
function sortedCsv(name = 'sorted.csv'): string {
  const p = join(root, name);
  const rows = Array.from({ length: 80 }, (_, i) => `${i < 40 ? 0 : 1},${(i % 7) / 7},${((i * 3) % 11) / 11},0.25`);
  writeFileSync(p, `label,a,b,c\n${rows.join('\n')}\n`);
  return p;
}

const bits = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

const expectError = expectOneLineError;

describe('loadRunData', () => {
  it('a new run records its split seed and test fraction; reloading with them gives the same split', () => {
    const p = sortedCsv();
    const fresh = loadRunData(undefined, { spec: p, testFraction: 0.25 }, { seed: 7 });
    expect(fresh.settings).toEqual({ spec: p, testFraction: 0.25, splitSeed: 7 });
    expect([fresh.train.n, fresh.test.n]).toEqual([60, 20]);
    expect(new Set(fresh.test.labels).size).toBe(2); // not the tail of a label-sorted file
    const dir = join(root, 'run-a');
    mkdirSync(dir);
    const again = loadRunData(dir, fresh.settings);
    expect(bits(again.test.x).equals(bits(fresh.test.x))).toBe(true);
    expect(bits(again.train.x).equals(bits(fresh.train.x))).toBe(true);
    // The default fraction is recorded too; fixed-split data records only the seed.
    expect(loadRunData(undefined, { spec: p }).settings).toEqual({ spec: p, testFraction: 0.1, splitSeed: 0 });
    expect(loadRunData(undefined, { spec: 'mnist', limit: 100 }, { seed: 2 }).settings).toEqual({ spec: 'mnist', limit: 100, splitSeed: 2 });
  });

  it('a run from before seeded splits (no splitSeed in its config) reloads its old unshuffled tail split', () => {
    const p = sortedCsv('legacy.csv');
    const dir = join(root, 'run-legacy');
    mkdirSync(dir);
    const old = loadRunData(dir, { spec: p });
    expect(old.test.n).toBe(8);
    expect(Array.from(old.test.labels!)).toEqual(new Array(8).fill(1));
    expect(old.settings.splitSeed).toBeUndefined();
  });

  it('--standardize: statistics from the train split only, stored, and re-applied bit for bit from the run directory', () => {
    const p = sortedCsv('std.csv');
    const fresh = loadRunData(undefined, { spec: p, standardize: true }, { seed: 1 });
    const stats = fresh.preprocess.standardize!;
    expect(stats.std[2]).toBe(1); // the constant feature: σ floor → only centred
    for (let j = 0; j < 3; j++) {
      const col = Array.from(fresh.train.x).filter((_, i) => i % 3 === j);
      expect(col.reduce((a, b) => a + b, 0) / col.length).toBeCloseTo(0, 5);
    }
    const testMean = Array.from(fresh.test.x).filter((_, i) => i % 3 === 0).reduce((a, b) => a + b, 0) / fresh.test.n;
    expect(Math.abs(testMean)).toBeGreaterThan(1e-4); // test rows are not used for the statistics
    const dir = join(root, 'run-std');
    mkdirSync(dir);
    writeRunPreprocess(dir, fresh.preprocess);
    expect(readdirSync(dir)).toEqual([PREPROCESS_FILE]);
    const again = loadRunData(dir, fresh.settings);
    expect(bits(again.preprocess.standardize!.mean).equals(bits(stats.mean))).toBe(true);
    expect(bits(again.preprocess.standardize!.std).equals(bits(stats.std))).toBe(true);
    expect(bits(again.test.x).equals(bits(fresh.test.x))).toBe(true);
    expect(bits(again.train.x).equals(bits(fresh.train.x))).toBe(true);
    // The stored statistics win over refitting: change the data file, the transform stays the same.
    const shifted = readFileSync(p, 'utf8').replace(/0\.25$/gm, '0.75');
    writeFileSync(p, shifted);
    expect(loadRunData(dir, fresh.settings).test.x[2]).toBeCloseTo(0.5, 6);

    const empty = join(root, 'run-std-missing');
    mkdirSync(empty);
    expectError(() => loadRunData(empty, fresh.settings), ConfigError, /standardises its data but preprocess\.json .* is missing/);
    writeFileSync(join(empty, PREPROCESS_FILE), '{"standardize": {"features": 3, "stdFloor": 1e-6, "mean": [0, 0], "std": [1, 1, 1]}}');
    expectError(() => loadRunData(empty, fresh.settings), ConfigError, /preprocess\.json: expected/);
  });

  it('--standardize with NaN in the data is an error naming the file and row', () => {
    const p = join(root, 'nan.npy');
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }".padEnd(117, ' ') + '\n';
    const body = new Float32Array([1, 2, 3, NaN, 5, 6, 7, 8]);
    writeFileSync(p, Buffer.concat([Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length, 0]), Buffer.from(header, 'latin1'), Buffer.from(body.buffer)]));
    expectError(() => loadRunData(undefined, { spec: p, standardize: true }), DataError, /nan\.npy.*non-finite value NaN at row 1, column 1/);
  });

  it('--binarize: static thresholds both splits; dynamic keeps train probabilities for training only', () => {
    const p = sortedCsv('bin.csv');
    const binary = (x: Float32Array): boolean => x.every((v) => v === 0 || v === 1);
    const st = loadRunData(undefined, { spec: p, binarize: 'static' });
    expect(binary(st.train.x) && binary(st.test.x)).toBe(true);
    expect(st.preprocess).toEqual({ binarize: 'static' });
    const dynTrain = loadRunData(undefined, { spec: p, binarize: 'dynamic' }, { training: true });
    expect(binary(dynTrain.train.x)).toBe(false);
    expect(binary(dynTrain.test.x)).toBe(true);
    const dynEval = loadRunData(undefined, { spec: p, binarize: 'dynamic' });
    expect(binary(dynEval.train.x)).toBe(true);
    const wide = join(root, 'wide.csv');
    writeFileSync(wide, '0.5,2\n0.1,0.2\n0.3,0.4\n');
    expectError(() => loadRunData(undefined, { spec: wide, binarize: 'dynamic' }, { training: true }), DataError, /needs values in \[0, 1\].* is 2; rescale the data or use --binarize static/);
  });

  it('conflicting or out-of-range settings are UsageErrors', () => {
    const p = sortedCsv('conf.csv');
    expectError(() => loadRunData(undefined, { spec: p, binarize: 'static', standardize: true }), UsageError, /--binarize and --standardize cannot be combined/);
    expectError(() => loadRunData(undefined, { spec: p, testFraction: 1 }), UsageError, /--test-fraction must be between 0 and 1, exclusive \(got 1\)/);
    expectError(() => loadRunData(undefined, { spec: 'mnist', testFraction: 0.2 }), UsageError, /--test-fraction applies to data without its own test set.*mnist has a fixed train\/test split/);
    expectError(() => loadRunData(undefined, { spec: 'mnist', labelColumn: 'y' }), UsageError, /--label-column applies to CSV\/TSV files only; mnist is not one/);
  });

  it('describePreprocess lists the steps with their statistics', () => {
    expect(describePreprocess({})['steps']).toEqual([]);
    const d = describePreprocess({ standardize: { mean: Float32Array.of(0.5, 1), std: Float32Array.of(2, 1) } });
    expect(d['steps']).toEqual([expect.objectContaining({ op: 'standardize', mean: [0.5, 1], std: [2, 1] })]);
    expect(describePreprocess({ binarize: 'dynamic' })['steps']).toEqual([expect.objectContaining({ op: 'binarize', mode: 'dynamic', threshold: 0.5 })]);
  });
});

describe('trainRun and exportRun with transforms', () => {
  it('train --standardize stores preprocess.json and the split in the run; export writes them into model.json', async () => {
    const p = sortedCsv('train.csv');
    const out = join(root, 'run-train');
    await trainRun({ report: false,  model: { family: 'ae', hidden: [4], latent: 2, loss: 'mse', outputActivation: 'linear' }, train: { epochs: 1, batchSize: 16, seed: 4 }, data: { spec: p, standardize: true }, out, threads: 1 });
    const config = readRunConfig(out);
    expect(config.data).toEqual({ spec: p, standardize: true, splitSeed: 4, testFraction: 0.1 });
    expect(existsSync(join(out, PREPROCESS_FILE))).toBe(true);
    const stored = readRunPreprocess(out, config.data).standardize!;
    expect(stored.mean.length).toBe(3);
    const { files } = await exportRun(out);
    const model = JSON.parse(readFileSync(files.find((f) => f.endsWith('model.json'))!, 'utf8')) as { preprocess: { steps: { op: string; mean: number[]; std: number[] }[] } };
    expect(model.preprocess.steps).toHaveLength(1);
    expect(model.preprocess.steps[0]!.op).toBe('standardize');
    expect(Float32Array.from(model.preprocess.steps[0]!.mean)).toEqual(stored.mean);
    expect(Float32Array.from(model.preprocess.steps[0]!.std)).toEqual(stored.std);
  }, 60_000);

  it('a data error leaves no run directory behind', async () => {
    const bad = join(root, 'ragged.csv');
    writeFileSync(bad, '1,2\n3\n');
    const out = join(root, 'run-bad');
    await expect(trainRun({ report: false,  train: { epochs: 1 }, data: { spec: bad }, out, threads: 1 })).rejects.toThrow(`${bad}:2: expected 2 columns, found 1`);
    expect(existsSync(out)).toBe(false);
  });
});
