import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  accuracyBarsSpec,
  curveSpec,
  latentScatterSpec,
  lossCurvesSpec,
  pngDataUrl,
  thumbnailScatterSpec,
  type LossRow,
} from './charts.js';
import { imageGridPng } from './grid.js';
import { renderSvg, svgToPng } from './vega.js';

const { PNG } = pngjs;

/** The markup of each `<g class="…{cls}…">` group's direct children, as one string per group. */
function groups(svg: string, cls: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<g class="[^"]*\\b${cls}\\b[^"]*"[^>]*>`, 'g');
  for (const m of svg.matchAll(re)) {
    // marks are flat leaf elements, so the group ends at the first </g>
    const start = m.index + m[0].length;
    out.push(svg.slice(start, svg.indexOf('</g>', start)));
  }
  return out;
}
/** Number of leaf elements of the given tag inside every group of class `cls`. */
function countIn(svg: string, cls: string, tag: string): number {
  return groups(svg, cls).reduce((s, g) => s + (g.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length, 0);
}
/** Text of every `<text>` inside groups of class `cls`. */
function textsIn(svg: string, cls: string): string[] {
  return groups(svg, cls).flatMap((g) => [...g.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!));
}

function decode(bytes: Uint8Array): { width: number; height: number; data: Buffer } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: png.data };
}

describe('latentScatterSpec → renderSvg', () => {
  it('draws one point per finite code and one legend entry per class, in class order', async () => {
    const n = 30;
    const x = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const y = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    x[7] = NaN; // left out
    const labels = Int32Array.from({ length: n }, (_, i) => [2, 0, 1][i % 3]!);
    const svg = await renderSvg(
      latentScatterSpec({ x, y, labels, classNames: ['zero', 'one', 'two'], title: 'Map', xTitle: 'z1', yTitle: 'z2' }),
    );
    expect(countIn(svg, 'role-mark', 'path')).toBe(n - 1);
    expect(textsIn(svg, 'role-legend-label')).toEqual(['zero', 'one', 'two']);
    expect(countIn(svg, 'role-legend-symbol', 'path')).toBe(3);
    expect(textsIn(svg, 'role-title-text')).toEqual(['Map']);
    // positions rounded to 0.01 px (vega writes up to 17 digits)
    expect(svg).toMatch(/transform="translate\(\d+\.\d{1,2},/);
    expect(svg).not.toMatch(/transform="translate\([^)]*\d\.\d{3}/);
    // three distinct point colours
    const fills = new Set(groups(svg, 'role-mark').flatMap((g) => [...g.matchAll(/fill="([^"]+)"/g)].map((m) => m[1])));
    expect(fills.size).toBe(3);
  });

  it('without labels: one colour, no legend', async () => {
    const x = Float32Array.from([0, 1, 2, 3]);
    const svg = await renderSvg(latentScatterSpec({ x, y: x, title: 't', xTitle: 'a', yTitle: 'b' }));
    expect(countIn(svg, 'role-mark', 'path')).toBe(4);
    expect(svg).not.toContain('role-legend');
    const fills = new Set(groups(svg, 'role-mark').flatMap((g) => [...g.matchAll(/fill="([^"]+)"/g)].map((m) => m[1])));
    expect(fills.size).toBe(1);
  });

  it('rejects mismatched lengths', () => {
    expect(() => latentScatterSpec({ x: new Float32Array(3), y: new Float32Array(2), title: '', xTitle: '', yTitle: '' })).toThrow(
      /x has 3 values, y has 2/,
    );
    expect(() =>
      latentScatterSpec({ x: new Float32Array(2), y: new Float32Array(2), labels: new Int32Array(1), title: '', xTitle: '', yTitle: '' }),
    ).toThrow(/1 labels for 2 points/);
  });
});

describe('svgToPng', () => {
  it('decodes to the requested width, keeps the aspect ratio, and draws non-background pixels', async () => {
    const x = Float32Array.from({ length: 50 }, (_, i) => i);
    const svg = await renderSvg(latentScatterSpec({ x, y: x, labels: Int32Array.from(x, (v) => v % 2), title: 'T', xTitle: 'a', yTitle: 'b' }));
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const png = decode(svgToPng(svg, { width: 400 }));
    expect(png.width).toBe(400);
    expect(Math.abs(png.height - (400 * h!) / w!)).toBeLessThanOrEqual(1);
    let coloured = 0;
    for (let i = 0; i < png.width * png.height; i++) {
      const [r, g, b] = [png.data[4 * i]!, png.data[4 * i + 1]!, png.data[4 * i + 2]!];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++; // saturated = a point, not gray axis or white
    }
    expect(coloured).toBeGreaterThan(200);
  });

  it('draws text with the system fonts (DejaVu): a text-only SVG gets dark pixels', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="22" font-family="sans-serif" font-size="18">Hello</text></svg>';
    const png = decode(svgToPng(svg));
    expect([png.width, png.height]).toEqual([120, 30]);
    let dark = 0;
    for (let i = 0; i < png.width * png.height; i++) if (png.data[4 * i]! < 100) dark++;
    expect(dark).toBeGreaterThan(50);
  });

  it('rejects a non-integer width', () => {
    expect(() => svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', { width: 0 })).toThrow(/positive integer/);
  });
});

describe('thumbnailScatterSpec', () => {
  it('places one data-URL image per point, and resvg draws them (red thumbnails → red pixels)', async () => {
    const red = new Float32Array(3 * 4 * 4);
    red.fill(1, 0, 16); // R plane = 1, G = B = 0
    const url = pngDataUrl(imageGridPng(red, 1, 4, 4, { pad: 0, channels: 3 }));
    const x = Float32Array.from([0, 1, 2]);
    const svg = await renderSvg(thumbnailScatterSpec({ x, y: x, thumbnails: [url, url, url], size: 20, width: 200, height: 200 }));
    expect(countIn(svg, 'role-mark', 'image')).toBe(3);
    expect(svg).toContain(`href="${url}"`);
    const png = decode(svgToPng(svg));
    let red255 = 0;
    for (let i = 0; i < png.width * png.height; i++) {
      if (png.data[4 * i]! > 200 && png.data[4 * i + 1]! < 40 && png.data[4 * i + 2]! < 40) red255++;
    }
    expect(red255).toBeGreaterThanOrEqual(3 * 15 * 15); // three ~20x20 red squares
  });

  it('rejects a thumbnail count that differs from the point count', () => {
    expect(() => thumbnailScatterSpec({ x: new Float32Array(2), y: new Float32Array(2), thumbnails: ['a'], size: 8 })).toThrow(/1 thumbnails for 2 points/);
  });
});

describe('lossCurvesSpec', () => {
  it('one facet per term in first-appearance order, a train and a test line in each', async () => {
    const rows: LossRow[] = [];
    for (const term of ['loss', 'recon', 'kl']) {
      for (let epoch = 1; epoch <= 4; epoch++) {
        rows.push({ epoch, term, split: 'train', value: 10 / epoch }, { epoch, term, split: 'test', value: 11 / epoch });
      }
    }
    const svg = await renderSvg(lossCurvesSpec(rows));
    expect(textsIn(svg, 'role-title-text')).toEqual(['loss', 'recon', 'kl']); // wrapped facets: one title per cell
    expect(countIn(svg, 'mark-line', 'path')).toBe(6); // 3 terms × 2 splits
    expect(textsIn(svg, 'role-legend-label')).toEqual(['train', 'test']);
  });
});

describe('accuracyBarsSpec', () => {
  it('one bar per (representation, probe), grouped, each labelled with its percentage', async () => {
    const rows = [
      { representation: 'codes', probe: 'kNN', accuracy: 0.9512 },
      { representation: 'codes', probe: 'linear', accuracy: 0.9 },
      { representation: 'PCA', probe: 'kNN', accuracy: 0.8 },
      { representation: 'PCA', probe: 'linear', accuracy: 0.7 },
      { representation: 'pixels', probe: 'kNN', accuracy: 0.96 },
      { representation: 'pixels', probe: 'linear', accuracy: 0.91 },
    ];
    const svg = await renderSvg(accuracyBarsSpec(rows));
    expect(countIn(svg, 'mark-rect', 'path')).toBe(6);
    expect(textsIn(svg, 'mark-text role-mark').sort()).toEqual(['70.0%', '80.0%', '90.0%', '91.0%', '95.1%', '96.0%']);
    expect(textsIn(svg, 'role-legend-label')).toEqual(['kNN', 'linear']);
    // groups in first-appearance order along x
    const xLabels = svg.match(/>(codes|PCA|pixels)</g)!.map((s) => s.slice(1, -1));
    expect(xLabels).toEqual(['codes', 'PCA', 'pixels']);
  });
});

describe('curveSpec', () => {
  it('one line per series with a point per value, legend only with series', async () => {
    const points = [-2, -1, 0, 1, 2].flatMap((a) => [
      { x: a, y: 0.5 + a / 5, series: 'to 7' },
      { x: a, y: 0.1, series: 'chance' },
    ]);
    const svg = await renderSvg(curveSpec({ points, xTitle: 'α', yTitle: 'share', title: 'Attribute', yDomain: [0, 1] }));
    expect(countIn(svg, 'mark-line', 'path')).toBe(2);
    expect(countIn(svg, 'mark-symbol role-mark', 'path')).toBe(10);
    expect(textsIn(svg, 'role-legend-label')).toEqual(['to 7', 'chance']);
    const single = await renderSvg(curveSpec({ points: [{ x: 0, y: 1 }, { x: 1, y: 2 }], xTitle: 'a', yTitle: 'b', title: 't' }));
    expect(countIn(single, 'mark-line', 'path')).toBe(1);
    expect(single).not.toContain('role-legend');
  });
});

describe('pngDataUrl', () => {
  it('base64-encodes the bytes behind a data:image/png prefix, also for large inputs', () => {
    const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7919) % 256);
    const url = pngDataUrl(bytes);
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(url.slice(22), 'base64').equals(bytes)).toBe(true);
  });
});
