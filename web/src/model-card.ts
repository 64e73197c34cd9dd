/**
 * The model card: family, run, shapes, the run's config, the final epoch's metrics and the
 * loss curves (train and test loss per epoch, an SVG line chart).
 */
import type { Bundle } from './bundle.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

function table(rows: readonly (readonly [string, string])[], caption?: string): HTMLTableElement {
  const t = el('table');
  if (caption) t.append(el('caption', caption));
  for (const [k, v] of rows) {
    const tr = el('tr');
    tr.append(el('th', k), el('td', v));
    t.append(tr);
  }
  return t;
}

const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(5)) : typeof v === 'object' ? JSON.stringify(v) : String(v));

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** A line chart of `series` (name → y per epoch, epochs 1..n) with axes ticks at the extremes. */
export function lossChart(series: Readonly<Record<string, readonly number[]>>, epochs: readonly number[]): SVGSVGElement {
  const [W, H, L, R, T, B] = [520, 200, 56, 110, 10, 28];
  const root = svg('svg', { id: 'curves', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': 'loss curves' });
  const all = Object.values(series).flat().filter(Number.isFinite);
  const [y0, y1] = all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
  const [x0, x1] = [epochs[0] ?? 1, epochs[epochs.length - 1] ?? 1];
  const sx = (x: number): number => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number): number => T + (1 - (y - y0) / (y1 - y0 || 1)) * (H - T - B);
  root.append(svg('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#888' }), svg('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#888' }));
  const text = (x: number, y: number, s: string, anchor = 'middle'): void => {
    const t = svg('text', { x, y, 'font-size': 11, 'text-anchor': anchor, fill: '#444' });
    t.textContent = s;
    root.append(t);
  };
  text(sx(x0), H - 10, String(x0));
  if (x1 !== x0) text(sx(x1), H - 10, String(x1));
  text((L + W - R) / 2, H - 2, 'epoch');
  text(L - 4, sy(y1) + 4, y1.toPrecision(4), 'end');
  text(L - 4, sy(y0) + 4, y0.toPrecision(4), 'end');
  const colours = ['#4c78a8', '#f58518', '#54a24b', '#e45756'];
  Object.entries(series).forEach(([name, ys], s) => {
    const colour = colours[s % colours.length]!;
    const pts = ys.map((y, i) => `${sx(epochs[i]!)},${sy(y)}`).join(' ');
    root.append(svg('polyline', { points: pts, fill: 'none', stroke: colour, 'stroke-width': 2, class: 'curve' }));
    ys.forEach((y, i) => root.append(svg('circle', { cx: sx(epochs[i]!), cy: sy(y), r: 2.5, fill: colour })));
    text(W - R + 8, T + 14 + 16 * s, name, 'start');
    root.append(svg('rect', { x: W - R - 4, y: T + 5 + 16 * s, width: 10, height: 10, fill: colour }));
  });
  return root;
}

export function renderModelCard(host: HTMLElement, b: Bundle): void {
  const m = b.manifest;
  const cfg = m.config as { model?: Record<string, unknown>; train?: Record<string, unknown>; data?: Record<string, unknown> };
  host.replaceChildren();
  host.append(
    table([
      ['family', m.family],
      ['run', m.run],
      ['input shape', `[${m.inputShape.join(', ')}]`],
      ['latent dimensions', String(m.latentDim)],
      ['conditional', m.numClasses > 0 ? `yes (${m.numClasses} classes)` : 'no'],
      ['epochs trained', String(b.metrics.length)],
      ['map', `${m.points.count} ${m.points.split} codes (${m.code === 'mu' ? 'posterior means' : 'codes'}), ${m.points.method}`],
    ]),
  );
  for (const part of ['model', 'train', 'data'] as const) {
    const entries = Object.entries(cfg[part] ?? {}).map(([k, v]) => [k, fmt(v)] as const);
    if (entries.length) host.append(table(entries, `config: ${part}`));
  }
  const last = b.metrics[b.metrics.length - 1];
  if (last) {
    const rows: [string, string][] = [];
    for (const split of ['train', 'test'] as const) {
      const terms = last[split] as Record<string, number> | undefined;
      for (const [k, v] of Object.entries(terms ?? {})) rows.push([`${split} ${k}`, fmt(v)]);
    }
    host.append(table(rows, `final metrics (epoch ${fmt(last['epoch'])})`));
    const epochs = b.metrics.map((r) => Number(r['epoch']));
    const series: Record<string, number[]> = {};
    for (const split of ['train', 'test'] as const) {
      const ys = b.metrics.map((r) => (r[split] as Record<string, number> | undefined)?.['loss']);
      if (ys.every((y) => typeof y === 'number')) series[`${split} loss`] = ys as number[];
    }
    host.append(el('h3', 'Loss curves'), lossChart(series, epochs));
  } else {
    host.append(el('p', 'metrics.jsonl is empty: no epoch was logged.'));
  }
}
