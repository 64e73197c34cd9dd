/**
 * The run report of real trained runs, opened in real headless Chromium (Debian `chromium`
 * driven by playwright-core; installed where the tests run as root, skipped with the reason
 * elsewhere): every image loads, every chart is drawn, nothing is fetched and the console stays
 * clean. A 2-D VAE shows its manifold, a wider AE its traversal and a UMAP map. Screenshots are
 * kept and their paths printed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findOrInstallChromium, launchChromium } from '../test-support/chromium.js';
import { inspectReportPage } from '../test-support/report-page.js';
import { reportRun } from './report-run.js';
import { trainRun } from './train-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'latentkit-run-report-'));
const runs = { vae: join(tmp, 'vae2'), ae: join(tmp, 'ae6') };

beforeAll(async () => {
  const common = { train: { epochs: 2, batchSize: 64 }, data: { spec: 'mnist', limit: 2000 }, threads: 2 } as const;
  await trainRun({ ...common, model: { family: 'vae', latent: 2, hidden: [64] }, out: runs.vae });
  await trainRun({ ...common, model: { family: 'ae', latent: 6, hidden: [64] }, out: runs.ae, report: false });
}, 240_000);

describe('run report', () => {
  it('train writes report.html; it holds the config, metrics, curves, pictures, map, manifold and probes', () => {
    const html = readFileSync(join(runs.vae, 'report.html'), 'utf8');
    for (const heading of ['Run', 'Final metrics', 'Training curves', 'Reconstructions and samples', 'Latent space', 'Probes']) expect(html).toContain(`>${heading}</h2>`);
    expect(html).toContain('Manifold');
    expect(html).not.toContain('Latent traversal');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('opens in Chromium with every image loaded, every chart drawn and no console errors', async (ctx) => {
    const chromium = await findOrInstallChromium();
    if (chromium === null) ctx.skip('chromium not available (see the warning above)');
    const summary = await reportRun({ dir: runs.ae });
    expect(summary.seconds).toBeGreaterThan(0);
    const html = readFileSync(summary.out, 'utf8');
    expect(html).toContain('Latent traversal');
    expect(html).toMatch(/projected from 6-D by umap/);
    const browser = await launchChromium(chromium!);
    try {
      for (const dir of [runs.vae, runs.ae]) {
        const shot = join(dir, 'report-screenshot.png');
        const page = await inspectReportPage(browser, join(dir, 'report.html'), shot);
        console.log(`report screenshot: ${shot}`);
        expect(page.errors).toEqual([]);
        expect(page.externalRequests).toEqual([]);
        expect(page.images.length).toBeGreaterThanOrEqual(3); // reconstructions, samples, manifold or traversal
        for (const img of page.images) expect(img.naturalWidth, img.alt).toBeGreaterThan(0);
        expect(page.charts.length).toBeGreaterThanOrEqual(3); // loss curves, map, probe bars
        for (const c of page.charts) {
          expect(c.marks, c.title).toBeGreaterThan(0);
          expect(c.width * c.height, c.title).toBeGreaterThan(0);
        }
        expect(page.text).toMatch(/raw pixels/);
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});
