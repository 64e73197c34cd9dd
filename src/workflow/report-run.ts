/**
 * `reportRun`: (re)writes a run's self-contained `report.html` (viz/report.ts): the config and
 * final metrics, loss curves per term (train and test, per epoch, from metrics.jsonl), the
 * reconstructions and samples the run wrote, the latent map, the manifold (2-D latents) or the
 * traversal (wider ones), and the probe accuracies next to PCA's (probe.json, computed here when
 * absent or stale). `train` calls it at the end of every run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { project2d } from '../latent/projection.js';
import { writeFileAtomic } from '../persist/atomic.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { accuracyBarsSpec, lossCurvesSpec, type LossRow } from '../viz/charts.js';
import { renderReportHtml, type ReportBlock, type ReportSection } from '../viz/report.js';
import { renderSvg } from '../viz/vega.js';
import { encodeSplit, openLatent, type LatentContext, type LatentOptions, type SplitCodes } from './latent-context.js';
import { manifoldPicture } from './manifold-run.js';
import { mapSpec } from './map-run.js';
import { probeCodes, probeRows, readProbe, writeProbe, type ProbeResult } from './probe-run.js';
import { type MetricsLine, readMetrics, RECONSTRUCTIONS_FILE, REPORT_FILE, SAMPLES_FILE } from './run-dir.js';
import { traversePicture } from './traverse-run.js';

/** The complete lines of a run's metrics.jsonl (its one reader is run-dir.ts). */
export { readMetrics };

export { REPORT_FILE };

/**
 * The report's map: at most this many test codes (a seeded subset beyond that), and for wide
 * latents UMAP with 200 optimisation epochs (umap-learn's default for large data; umap-js
 * would run 500 at this size). That keeps the whole report under 5 s here; `latentkit map`
 * draws the full picture.
 */
export const REPORT_MAP_POINTS = 1500;
export const REPORT_UMAP_EPOCHS = 200;

export interface ReportRunOptions extends LatentOptions {
  /** HTML path; default `<run>/report.html`. */
  readonly out?: string;
}

export interface ReportSummary {
  readonly model: string;
  readonly run: string;
  readonly seconds: number;
  readonly bytes: number;
  readonly out: string;
}

function lossRows(metrics: readonly MetricsLine[]): LossRow[] {
  return metrics.flatMap((m) =>
    (['train', 'test'] as const).flatMap((split) => Object.entries(m[split]).flatMap(([term, v]) => (typeof v === 'number' ? [{ epoch: m.epoch, term, split, value: v }] : []))),
  );
}

function finalMetricsTable(last: MetricsLine | undefined): ReportBlock[] {
  if (!last) return [{ kind: 'text', text: 'No epoch has finished yet.' }];
  const terms = [...new Set([...Object.keys(last.test), ...Object.keys(last.train)])];
  const cell = (v: number | null | undefined): string | number => (typeof v === 'number' ? v : '–');
  return [
    {
      kind: 'table',
      title: `After epoch ${last.epoch}`,
      columns: ['term', 'train', 'test'],
      rows: terms.map((t) => [t, cell(last.train[t]), cell(last.test[t])]),
      caption: 'Per-sample means; likelihood terms in nats. mse is per pixel, on the scale PCA is measured on.',
    },
  ];
}

async function latentSection(ctx: LatentContext, codes: SplitCodes, seed: number, runtime: RuntimeOptions): Promise<ReportSection> {
  const blocks: ReportBlock[] = [];
  const projection = await project2d(codes.z, codes.n, codes.k, { seed, maxPoints: REPORT_MAP_POINTS, umapEpochs: REPORT_UMAP_EPOCHS, runtime });
  const how = projection.method === 'identity' ? 'as they are' : `projected from ${codes.k}-D by ${projection.method}`;
  blocks.push({ kind: 'svg', title: 'Latent map', svg: await renderSvg(mapSpec(codes, projection, `test codes, ${how}`)), caption: `${projection.indices.length} test codes (μ for VAEs), coloured by label.` });
  if (ctx.layout && codes.k >= 2) {
    if (codes.k === 2) {
      const m = await manifoldPicture(ctx, codes, { grid: 20 });
      blocks.push({ kind: 'image', title: 'Manifold', png: m.png, alt: 'decoded manifold', caption: `Decodings of a 20 × 20 grid over z0 (columns) and z1 (rows, high at the top), ${m.spacing === 'gaussian' ? 'spaced by Gaussian quantiles (Kingma & Welling 2014, fig. 4)' : 'spanning the observed range of the codes'}.` });
    } else {
      const top = Math.min(codes.k, 10);
      const t = await traversePicture(ctx, codes, { range: 3, steps: 9, top });
      blocks.push({
        kind: 'image',
        title: 'Latent traversal',
        png: t.png,
        alt: 'latent traversal',
        caption: `One row per dimension, −3 to +3 ${ctx.gaussianPosterior ? 'prior' : 'code'} standard deviations around the mean code; rows ranked by ${t.ranking.by === 'kl' ? 'KL' : 'variance'}: ${[...t.dims].map((d) => `z${d}`).join(', ')}.`,
      });
    }
  }
  return { heading: 'Latent space', blocks };
}

function probeSection(probe: ProbeResult, family: string, svg: string): ReportSection {
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  const blocks: ReportBlock[] = [
    { kind: 'svg', title: 'Probe accuracy', svg },
    {
      kind: 'table',
      columns: ['features', '5-NN', 'linear probe'],
      rows: [
        [`${family} codes (k = ${probe.k})`, pct(probe.codes.knn), pct(probe.codes.linear)],
        [`PCA (k = ${probe.k})`, pct(probe.pca.knn), pct(probe.pca.linear)],
        ['raw pixels', pct(probe.pixels.knn), pct(probe.pixels.linear)],
      ],
      caption: 'Test accuracy of a 5-nearest-neighbour classifier and of a logistic regression trained on the training split’s features.',
    },
  ];
  if (probe.faithfulness) {
    blocks.push({ kind: 'table', title: 'Class faithfulness of samples', columns: ['class', ...probe.faithfulness.per_class.map((_, c) => String(c)), 'mean'], rows: [['read as asked', ...probe.faithfulness.per_class.map(pct), pct(probe.faithfulness.mean)]], caption: 'Share of samples drawn for class c that an MLP classifier trained on the real training pixels reads as c.' });
  }
  return { heading: 'Probes', intro: 'How useful the codes are for telling classes apart, next to PCA with the same number of dimensions and the raw pixels.', blocks };
}

export async function reportRun(opts: ReportRunOptions): Promise<ReportSummary> {
  const t0 = performance.now();
  const ctx = await openLatent(opts);
  try {
    const { run } = ctx;
    const metrics = readMetrics(opts.dir);
    const last = metrics.at(-1);
    const sections: ReportSection[] = [];
    sections.push({
      heading: 'Run',
      blocks: [
        {
          kind: 'keyValues',
          entries: [
            ['model', run.model.family],
            ['epochs', run.epoch],
            ['latent dimensions', run.model.latentDim],
            ['input shape', `[${run.model.inputShape.join(', ')}]`],
            ['data', run.config.data.spec],
            ['train / test samples', `${ctx.data.train.n} / ${ctx.data.test.n}`],
            ...(last?.samples_per_sec !== undefined ? ([['samples/s (last epoch)', Math.round(last.samples_per_sec)]] as [string, number][]) : []),
          ],
        },
        { kind: 'json', title: 'config.json', value: run.config },
      ],
    });
    sections.push({ heading: 'Final metrics', blocks: finalMetricsTable(last) });
    if (metrics.length > 0) sections.push({ heading: 'Training curves', blocks: [{ kind: 'svg', svg: await renderSvg(lossCurvesSpec(lossRows(metrics), { title: 'loss terms per epoch' })) }] });
    const pictures: ReportBlock[] = [
      [RECONSTRUCTIONS_FILE, 'Reconstructions', run.model.corrupted ? 'Rows of test samples, their corrupted inputs, and the outputs.' : 'Rows of test samples, each followed by their reconstructions.'],
      [SAMPLES_FILE, 'Samples', run.model.numClasses > 0 ? 'Decoded prior draws, one class per row.' : 'Decoded prior draws (for families without a prior: a Gaussian mixture fitted to the training codes).'],
    ].flatMap(([file, title, caption]) => (existsSync(join(opts.dir, file!)) ? [{ kind: 'image' as const, title: title!, png: new Uint8Array(readFileSync(join(opts.dir, file!))), alt: title!, caption: caption! }] : []));
    if (pictures.length > 0) sections.push({ heading: 'Reconstructions and samples', blocks: pictures });
    const codes = await encodeSplit(ctx, 'test');
    sections.push(await latentSection(ctx, codes, run.config.train.seed, ctx.runtime));
    if (ctx.data.train.labels && ctx.data.test.labels) {
      let probe = readProbe(opts.dir, run.epoch);
      if (!probe) {
        probe = await probeCodes(run.model, ctx.codec, ctx.data, run.epoch, ctx.runtime);
        writeProbe(opts.dir, probe);
      }
      sections.push(probeSection(probe, run.model.family, await renderSvg(accuracyBarsSpec(probeRows(probe, run.model.family)))));
    }
    const html = renderReportHtml({ title: `latentkit · ${run.model.family} · ${opts.dir}`, subtitle: `${run.epoch} epochs on ${run.config.data.spec}`, sections });
    const out = opts.out ?? join(opts.dir, REPORT_FILE);
    writeFileAtomic(out, html);
    return { model: run.model.family, run: opts.dir, seconds: (performance.now() - t0) / 1000, bytes: Buffer.byteLength(html), out };
  } finally {
    await ctx.release();
  }
}
