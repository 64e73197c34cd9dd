import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { METRICS_FILE, RunDir } from './run-dir.js';

const root = mkdtempSync(join(tmpdir(), 'latentkit-run-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const line = (epoch: number): string => JSON.stringify({ epoch, step: 3 * epoch, train: { loss: 10 - epoch }, test: { loss: null }, seconds: 0.5, samples_per_sec: 100 });

describe('RunDir metrics.jsonl', () => {
  it('appended lines read back; a torn last line, a blank line and a line without terms are not epochs', () => {
    const run = new RunDir(mkdtempSync(join(root, 'read-')));
    run.appendMetrics(JSON.parse(line(1)));
    run.appendMetrics(JSON.parse(line(2)));
    writeFileSync(run.path(METRICS_FILE), `${readFileSync(run.path(METRICS_FILE), 'utf8')}\n{"epoch": 0}\n${line(3).slice(0, 20)}`);
    expect(run.readMetrics()).toEqual([JSON.parse(line(1)), JSON.parse(line(2))]);
  });

  it('truncating to epoch n keeps the complete lines of epochs ≤ n byte for byte, in order', () => {
    const run = new RunDir(mkdtempSync(join(root, 'truncate-')));
    writeFileSync(run.path(METRICS_FILE), `${line(1)}\n${line(3)}\n\n${line(2)}\n${line(2).slice(0, 30)}`);
    run.truncateMetrics(2);
    expect(readFileSync(run.path(METRICS_FILE), 'utf8')).toBe(`${line(1)}\n${line(2)}\n`);
    expect(run.readMetrics().map((m) => m.epoch)).toEqual([1, 2]);
  });

  it('a run without metrics.jsonl has no epochs, and truncating it writes nothing', () => {
    const run = new RunDir(mkdtempSync(join(root, 'none-')));
    run.truncateMetrics(0);
    expect(run.readMetrics()).toEqual([]);
    expect(() => readFileSync(run.path(METRICS_FILE))).toThrow(/ENOENT/);
  });
});
