/**
 * Vega-Lite spec builders for latentkit's charts: pure functions from numbers to specs (data
 * inlined), rendered by vega.ts (`renderSvg`, `svgToPng`). Colours: Tableau 10 for up to 10
 * classes (Tableau 20 beyond), the palette Vega-Lite itself uses for nominal data.
 */
import type { VegaLiteSpec } from './vega.js';

/** Shared look: light view border, readable axis/legend sizes, white background. */
const CONFIG = {
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' },
  header: { labelFontSize: 12, titleFontSize: 12 },
} as const;

/** Input of {@link latentScatterSpec}: n points `(x[i], y[i])`, optionally labelled. */
export interface LatentScatterInput {
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Class index per point (length n); omitted → one colour, no legend. */
  readonly labels?: Int32Array;
  /** Display name of class c at index c (e.g. Fashion-MNIST's "T-shirt/top"); default `String(c)`. */
  readonly classNames?: readonly string[];
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** Legend title; default "label". */
  readonly legendTitle?: string;
  /** Plot area in px; default 460 × 400. */
  readonly width?: number;
  readonly height?: number;
}

/**
 * A 2-D scatter of codes coloured by label, with a legend (classes in numeric order). Point
 * size and opacity shrink as n grows (area 40 px² up to 500 points, 6 px² at ≥ 5,000), so a
 * 10k-point map still shows its clusters. Points with a non-finite coordinate are left out.
 */
export function latentScatterSpec(input: LatentScatterInput): VegaLiteSpec {
  const n = checkSameLength('latentScatterSpec', input.x, input.y);
  if (input.labels && input.labels.length !== n) {
    throw new RangeError(`latentScatterSpec: ${input.labels.length} labels for ${n} points`);
  }
  const name = (c: number): string => input.classNames?.[c] ?? String(c);
  const values: { x: number; y: number; label?: string }[] = [];
  for (let i = 0; i < n; i++) {
    const x = input.x[i]!;
    const y = input.y[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    values.push(input.labels ? { x, y, label: name(input.labels[i]!) } : { x, y });
  }
  const classes = input.labels ? [...new Set(input.labels)].sort((a, b) => a - b).map(name) : [];
  const size = n <= 500 ? 40 : n <= 2000 ? 16 : n < 5000 ? 10 : 6;
  const opacity = n <= 500 ? 0.85 : n <= 2000 ? 0.7 : 0.55;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    width: input.width ?? 460,
    height: input.height ?? 400,
    config: CONFIG,
    data: { values },
    // aria off: vega would otherwise write an aria-label with the datum for every point
    mark: { type: 'circle', size, opacity, aria: false, ...(input.labels ? {} : { color: '#4c78a8' }) },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: input.xTitle, scale: { zero: false, nice: true } },
      y: { field: 'y', type: 'quantitative', title: input.yTitle, scale: { zero: false, nice: true } },
      ...(input.labels
        ? {
            color: {
              field: 'label',
              type: 'nominal',
              title: input.legendTitle ?? 'label',
              scale: { domain: classes, scheme: classes.length <= 10 ? 'tableau10' : 'tableau20' },
              legend: { symbolOpacity: 1, symbolSize: 80 },
            },
          }
        : {}),
    },
  };
}

/** Input of {@link thumbnailScatterSpec}: n images drawn at their 2-D positions. */
export interface ThumbnailScatterInput {
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** One image per point, as a `data:image/png;base64,…` URL (see {@link pngDataUrl}). */
  readonly thumbnails: readonly string[];
  /** Thumbnail edge in px. */
  readonly size: number;
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  /** Plot area in px; default 600 × 600. */
  readonly width?: number;
  readonly height?: number;
}

/**
 * Small images centred at their 2-D positions — the "t-SNE of MNIST" picture. Uses Vega-Lite's
 * `image` mark with each point's data URL in the `url` field (rendered by browsers and resvg
 * alike; nothing is fetched). Later points are drawn on top.
 */
export function thumbnailScatterSpec(input: ThumbnailScatterInput): VegaLiteSpec {
  const n = checkSameLength('thumbnailScatterSpec', input.x, input.y);
  if (input.thumbnails.length !== n) {
    throw new RangeError(`thumbnailScatterSpec: ${input.thumbnails.length} thumbnails for ${n} points`);
  }
  if (!(input.size > 0)) throw new RangeError(`thumbnailScatterSpec: size must be positive, got ${input.size}`);
  const values: { x: number; y: number; url: string }[] = [];
  for (let i = 0; i < n; i++) {
    const x = input.x[i]!;
    const y = input.y[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) values.push({ x, y, url: input.thumbnails[i]! });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(input.title === undefined ? {} : { title: input.title }),
    width: input.width ?? 600,
    height: input.height ?? 600,
    config: CONFIG,
    data: { values },
    mark: { type: 'image', width: input.size, height: input.size, aspect: false, smooth: false, aria: false },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: input.xTitle ?? 'x', scale: { zero: false, nice: true } },
      y: { field: 'y', type: 'quantitative', title: input.yTitle ?? 'y', scale: { zero: false, nice: true } },
      url: { field: 'url', type: 'nominal' },
    },
  };
}

/** One point of a loss curve: a term's value on a split after an epoch. */
export interface LossRow {
  readonly epoch: number;
  readonly term: string;
  readonly split: 'train' | 'test';
  readonly value: number;
}

/**
 * One small line chart per term (facets in first-appearance order, 3 per row, each with its
 * own y scale), train and test distinguished by colour and dash. Non-finite values are left out.
 */
export function lossCurvesSpec(rows: readonly LossRow[], opts: { title?: string } = {}): VegaLiteSpec {
  const values = rows.filter((r) => Number.isFinite(r.value) && Number.isFinite(r.epoch)).map((r) => ({ ...r }));
  const terms = [...new Set(values.map((r) => r.term))];
  const epochs = new Set(values.map((r) => r.epoch)).size;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title === undefined ? {} : { title: opts.title }),
    config: CONFIG,
    data: { values },
    facet: { field: 'term', type: 'nominal', sort: terms, title: null, header: { labelFontWeight: 'bold' } },
    columns: Math.min(3, Math.max(1, terms.length)),
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 130,
      mark: { type: 'line', point: epochs <= 30, strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: {
          field: 'split',
          type: 'nominal',
          title: 'split',
          scale: { domain: ['train', 'test'], range: ['#4c78a8', '#f58518'] },
        },
        strokeDash: { field: 'split', type: 'nominal', title: 'split', scale: { domain: ['train', 'test'], range: [[1, 0], [5, 3]] } },
      },
    },
  };
}

/** One probe result: a classifier (`probe`) on a representation of the test data. */
export interface AccuracyRow {
  readonly representation: string;
  readonly probe: string;
  /** Test accuracy in [0, 1]. */
  readonly accuracy: number;
}

/**
 * Grouped bars: one group per representation (e.g. codes, PCA, pixels; first-appearance
 * order), one bar per probe (e.g. kNN, linear), y = accuracy on a fixed 0–100 % axis, each bar
 * labelled with its value.
 */
export function accuracyBarsSpec(rows: readonly AccuracyRow[], opts: { title?: string } = {}): VegaLiteSpec {
  const values = rows.map((r) => ({ ...r }));
  const reps = [...new Set(values.map((r) => r.representation))];
  const probes = [...new Set(values.map((r) => r.probe))];
  const x = { field: 'representation', type: 'nominal', sort: reps, title: null, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'probe', type: 'nominal', sort: probes } as const;
  const y = {
    field: 'accuracy',
    type: 'quantitative' as const,
    title: 'test accuracy',
    scale: { domain: [0, 1] },
    axis: { format: '.0%' },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title === undefined ? {} : { title: opts.title }),
    width: Math.max(160, 70 * reps.length * Math.max(1, probes.length) * 0.6),
    height: 220,
    config: CONFIG,
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: { x, xOffset, y, color: { field: 'probe', type: 'nominal', sort: probes, title: 'probe', scale: { scheme: 'tableau10' } } },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 10 },
        encoding: { x, xOffset, y, text: { field: 'accuracy', type: 'quantitative', format: '.1%' } },
      },
    ],
  };
}

/** Input of {@link curveSpec}: points of one or more named series. */
export interface CurveInput {
  readonly points: readonly { readonly x: number; readonly y: number; readonly series?: string }[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly title: string;
  /** Fixed y range, e.g. `[0, 1]` for a share; default: fitted to the data. */
  readonly yDomain?: readonly [number, number];
}

/**
 * A generic y-vs-x line chart with point markers (e.g. the share of attribute-shifted samples
 * read as the target class vs α). Several series (the `series` field) get a colour each and a
 * legend; without it, one line. Points are joined in x order.
 */
export function curveSpec(input: CurveInput): VegaLiteSpec {
  const values = input.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => ({ ...p }));
  const series = [...new Set(values.flatMap((p) => (p.series === undefined ? [] : [p.series])))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    width: 360,
    height: 220,
    config: CONFIG,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: input.xTitle, scale: { zero: false } },
      y: {
        field: 'y',
        type: 'quantitative',
        title: input.yTitle,
        scale: input.yDomain ? { domain: [input.yDomain[0], input.yDomain[1]] } : { zero: false },
      },
      ...(series.length > 0
        ? { color: { field: 'series', type: 'nominal', sort: series, title: null, scale: { scheme: 'tableau10' } } }
        : {}),
    },
  };
}

/**
 * PNG bytes as a `data:image/png;base64,…` URL, for `<img src>` and Vega-Lite image marks.
 * Portable: uses `btoa`, no Buffer.
 */
export function pngDataUrl(bytes: Uint8Array): string {
  const chunk = 0x8000;
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    parts.push(String.fromCharCode(...bytes.subarray(i, i + chunk)));
  }
  return `data:image/png;base64,${btoa(parts.join(''))}`;
}

function checkSameLength(fn: string, x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) throw new RangeError(`${fn}: x has ${x.length} values, y has ${y.length}`);
  return x.length;
}
