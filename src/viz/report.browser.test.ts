/**
 * The HTML report in real headless Chromium (Debian `chromium` + playwright-core): every block
 * kind, real charts from renderSvg and real PNG grids. Installs chromium where root, otherwise
 * skips with the reason. The screenshot path is printed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOrInstallChromium, launchChromium } from '../test-support/chromium.js';
import { inspectReportPage } from '../test-support/report-page.js';
import { accuracyBarsSpec, curveSpec, latentScatterSpec, lossCurvesSpec, pngDataUrl, thumbnailScatterSpec, type LossRow } from './charts.js';
import { imageGridPng } from './grid.js';
import { renderReportHtml, type Report } from './report.js';
import { renderSvg } from './vega.js';

const EVIL = '</script><img src=x onerror="document.title=\'pwned\'">';

/** A deterministic stand-in for digits: image i is a blob whose position depends on its class. */
function fakeDigits(n: number): { images: Float32Array; labels: Int32Array } {
  const images = new Float32Array(n * 784);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  for (let i = 0; i < n; i++) {
    const cx = 6 + 2 * labels[i]!;
    const cy = 8 + ((i * 7) % 12);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) images[i * 784 + y * 28 + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 18);
  }
  return { images, labels };
}

async function buildReport(): Promise<{ report: Report; chartMs: number }> {
  const n = 2000;
  const { images, labels } = fakeDigits(n);
  const x = Float32Array.from(labels, (c, i) => Math.cos((2 * Math.PI * c) / 10) * 3 + Math.sin(i * 12.9898) * 0.6);
  const y = Float32Array.from(labels, (c, i) => Math.sin((2 * Math.PI * c) / 10) * 3 + Math.cos(i * 78.233) * 0.6);
  const thumbs = Array.from({ length: 150 }, (_, i) => pngDataUrl(imageGridPng(images.subarray(i * 784, (i + 1) * 784), 1, 28, 28, { pad: 0 })));
  const loss: LossRow[] = [];
  for (const term of ['loss', 'recon', 'kl']) {
    for (let epoch = 1; epoch <= 10; epoch++) {
      loss.push({ epoch, term, split: 'train', value: 100 / epoch + 5 }, { epoch, term, split: 'test', value: 104 / epoch + 6 });
    }
  }
  const t0 = performance.now();
  const [scatter, thumbnails, curves, bars, curve] = await Promise.all([
    renderSvg(latentScatterSpec({ x, y, labels, title: 'Latent map', xTitle: 'z₁', yTitle: 'z₂', legendTitle: 'digit' })),
    renderSvg(thumbnailScatterSpec({ x: x.subarray(0, 150), y: y.subarray(0, 150), thumbnails: thumbs, size: 18, title: 'Thumbnails at their codes' })),
    renderSvg(lossCurvesSpec(loss)),
    renderSvg(
      accuracyBarsSpec([
        { representation: 'codes', probe: 'kNN', accuracy: 0.93 },
        { representation: 'codes', probe: 'linear', accuracy: 0.88 },
        { representation: 'PCA', probe: 'kNN', accuracy: 0.71 },
        { representation: 'PCA', probe: 'linear', accuracy: 0.64 },
      ]),
    ),
    renderSvg(curveSpec({ points: [-2, -1, 0, 1, 2].map((a) => ({ x: a, y: 0.1 + 0.2 * (a + 2) })), xTitle: 'α', yTitle: 'share', title: 'Attribute', yDomain: [0, 1] })),
  ]);
  const chartMs = performance.now() - t0;
  const rgb = new Float32Array(16 * 3 * 8 * 8).map((_, k) => ((k * 37) % 100) / 100);
  const report: Report = {
    title: `Run vae-test ${EVIL}`,
    subtitle: 'vae · latent 2 · 10 epochs',
    sections: [
      {
        heading: 'Config and metrics',
        intro: `The run's settings.\n\nA config string with markup: ${EVIL}`,
        blocks: [
          { kind: 'keyValues', title: 'Final test metrics', entries: [['loss', 101.23456], ['mse', 0.0123456], ['samples/s', 27123], ['note', EVIL]] },
          { kind: 'json', title: 'config.json', value: { model: { family: 'vae', latent: 2 }, name: EVIL } },
        ],
      },
      { heading: 'Training', blocks: [{ kind: 'svg', title: 'Loss per epoch', svg: curves, caption: 'train solid, test dashed' }] },
      {
        heading: 'Pictures',
        blocks: [
          { kind: 'image', title: 'Reconstructions', png: imageGridPng(images, 32, 28, 28, { cols: 8, scale: 2 }), alt: 'test digits and reconstructions' },
          { kind: 'image', title: 'Samples', png: imageGridPng(images, 16, 28, 28, { cols: 4 }), alt: 'samples', caption: 'decodings of z ~ N(0, I)' },
          { kind: 'image', title: 'RGB grid', png: imageGridPng(rgb, 16, 8, 8, { channels: 3 }), alt: 'colour tiles' },
        ],
      },
      {
        heading: 'Latent space',
        blocks: [
          { kind: 'svg', title: 'Map', svg: scatter },
          { kind: 'svg', title: 'Thumbnails', svg: thumbnails },
          { kind: 'svg', title: 'Attribute vector', svg: curve },
        ],
      },
      {
        heading: 'Probes',
        blocks: [
          { kind: 'svg', title: 'Probe accuracy', svg: bars },
          { kind: 'table', title: 'Probe accuracy', columns: ['representation', 'kNN', 'linear'], rows: [['codes', 0.93, 0.88], ['PCA', 0.71, 0.64], [EVIL, 0.5, 0.5]], caption: 'k = 5' },
          { kind: 'text', text: 'Codes beat PCA at the same k.' },
        ],
      },
    ],
  };
  return { report, chartMs };
}

describe('report.html in headless Chromium', () => {
  it('loads every image, draws every chart, logs no errors, makes no requests and shows markup as text', async (ctx) => {
    const chromiumPath = await findOrInstallChromium();
    if (chromiumPath === null) ctx.skip('chromium not available (see the warning above)');
    const { report, chartMs } = await buildReport();
    const t0 = performance.now();
    const html = renderReportHtml(report);
    const htmlMs = performance.now() - t0;
    const dir = mkdtempSync(join(tmpdir(), 'latentkit-report-browser-'));
    const htmlPath = join(dir, 'report.html');
    const shot = join(dir, 'report.png');
    writeFileSync(htmlPath, html);
    console.log(`charts rendered in ${chartMs.toFixed(0)} ms, HTML in ${htmlMs.toFixed(0)} ms (${(html.length / 1e6).toFixed(2)} MB); screenshot: ${shot}`);

    const browser = await launchChromium(chromiumPath!);
    try {
      const page = await inspectReportPage(browser, htmlPath, shot);
      expect(page.errors).toEqual([]);
      expect(page.externalRequests).toEqual([]);
      expect(page.images).toHaveLength(3);
      for (const img of page.images) {
        expect(img.naturalWidth, img.alt).toBeGreaterThan(0);
        expect(img.decoded, img.alt).toBe(true);
      }
      expect(page.charts.map((c) => c.title)).toEqual(['Loss per epoch', 'Map', 'Thumbnails', 'Attribute vector', 'Probe accuracy']);
      for (const c of page.charts) {
        expect(c.marks, c.title).toBeGreaterThan(0);
        expect(c.width, c.title).toBeGreaterThan(50);
        expect(c.height, c.title).toBeGreaterThan(50);
      }
      // the scatter draws all its points, the thumbnail map all its images
      expect(page.charts[1]!.marks).toBe(2000);
      expect(page.charts[2]!.marks).toBe(150);
      // escaped markup shows as text and runs nothing
      expect(page.inlineHandlers).toBe(0);
      expect(page.text).toContain(EVIL);
    } finally {
      await browser.close();
    }
  }, 20 * 60_000);
});
