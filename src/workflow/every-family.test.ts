/**
 * Every latent command works on a run of every family (tiny runs on the bundled digits):
 * embed, map, manifold, interpolate, traverse, attribute, sample, probe, report, compare.
 * The properties each command exists for are tested in latent-tools.test.ts; this is breadth.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FAMILIES } from '../models/registry.js';
import { attributeRun } from './attribute-run.js';
import { compareRun } from './compare-run.js';
import { embedRun } from './embed-run.js';
import { interpolateRun } from './interpolate-run.js';
import { manifoldRun } from './manifold-run.js';
import { mapRun } from './map-run.js';
import { probeRun } from './probe-run.js';
import { reportRun } from './report-run.js';
import { sampleRun } from './sample-run.js';
import { trainRun } from './train-run.js';
import { traverseRun } from './traverse-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-families-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One small configuration per family (and the conditional AAE). */
const FAMILIES: Record<string, Record<string, unknown>> = {
  ae: {},
  dae: {},
  sparse: {},
  cae: { hidden: [] },
  stacked: { hidden: [64], pretrainEpochs: 1 },
  vae: {},
  cvae: {},
  aae: {},
  'aae-conditional': { family: 'aae', conditional: true, prior: 'mog' },
  'conv-ae': { conv: [8, 16], dense: [32] },
  'conv-vae': { conv: [8, 16], dense: [32] },
  'conv-cvae': { conv: [8, 16], dense: [32] },
  vaegan: { conv: [8, 16], dense: [32] },
};
const dir = (name: string): string => join(tmp, name);

beforeAll(async () => {
  for (const [name, extra] of Object.entries(FAMILIES)) {
    await trainRun({ report: false, model: { family: name, latent: 3, ...('conv' in extra ? {} : { hidden: [64] }), ...extra }, train: { epochs: 1, batchSize: 64 }, data: { spec: 'mnist', limit: 1000 }, out: dir(name), threads: 2 });
  }
}, 300_000);

describe('every latent command on every family', () => {
  it('covers every registered family', () => {
    for (const name of MODEL_FAMILIES.keys()) expect(Object.keys(FAMILIES)).toContain(name);
  });

  for (const name of Object.keys(FAMILIES)) {
    it(`${name}: embed, map, manifold, interpolate, traverse, attribute, sample, probe, report`, async () => {
      const d = dir(name);
      expect((await embedRun({ dir: d })).k).toBe(3);
      expect((await mapRun({ dir: d, method: 'pca' })).points).toBe(997);
      for (const out of [
        (await manifoldRun({ dir: d, grid: 4 })).out,
        (await interpolateRun({ dir: d, from: 0, to: 1, steps: 4 })).out,
        (await traverseRun({ dir: d, steps: 3 })).out,
        (await attributeRun({ dir: d, with: 'label=0', measure: 20 })).out,
        (await sampleRun({ dir: d, n: 20 })).out!,
        (await probeRun({ dir: d })).out,
        (await reportRun({ dir: d })).out,
      ]) {
        expect(existsSync(out), out).toBe(true);
      }
    }, 120_000);
  }

  it('compare puts every family side by side', async () => {
    const s = await compareRun({ dirs: Object.keys(FAMILIES).map(dir), out: join(tmp, 'compare.png') });
    expect(s.runs.map((r) => r.model)).toEqual(Object.keys(FAMILIES).map((n) => (FAMILIES[n]!['family'] as string | undefined) ?? n));
    for (const r of s.runs) expect(r.probe?.codes.knn).toBeGreaterThan(0.1);
  }, 120_000);
});
