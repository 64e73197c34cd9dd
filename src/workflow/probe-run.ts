/**
 * `probeRun`: how useful a run's codes are. Test accuracy of a 5-NN classifier and of a
 * linear probe (logistic regression trained by latentkit's own engine) on the codes, next to
 * the same probes on PCA codes with the same k and on raw pixels (latent/probe.ts); for
 * conditional models also the class faithfulness of their samples (latent/faithfulness.ts),
 * read by an MLP trained on the real training pixels (latent/mlp-reader.ts).
 * The result is kept in `<run>/probe.json` (with the checkpoint's epoch), where the report and
 * `compare` find it, and drawn as bars in `<run>/probe.png`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Split } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import type { Codec } from '../latent/codec.js';
import { classFaithfulness } from '../latent/faithfulness.js';
import { MlpReader } from '../latent/mlp-reader.js';
import { probeAll, requireLabels, type ProbeReport } from '../latent/probe.js';
import type { AutoencoderModel } from '../models/types.js';
import { writeFileAtomic } from '../persist/atomic.js';
import { nodeRuntime } from '../runtime/node.js';
import type { RuntimeOptions } from '../runtime/program.js';
import { accuracyBarsSpec } from '../viz/charts.js';
import { writePng } from '../viz/png.js';
import { openLatent, type LatentOptions } from './latent-context.js';
import { renderChart } from './pictures.js';
import { PROBE_FILE } from './run-dir.js';

export { PROBE_FILE };

const scores = z.object({ knn: z.number(), linear: z.number() });
const probeResultSchema = z.object({
  epoch: z.number().int().nonnegative(),
  k: z.number().int().positive(),
  codes: scores,
  pca: scores,
  pixels: scores,
  faithfulness: z.object({ mean: z.number(), per_class: z.array(z.number()) }).optional(),
});
/** Probe accuracies of a run at a checkpoint epoch, as kept in probe.json. */
export type ProbeResult = z.infer<typeof probeResultSchema>;

export interface ProbeRunOptions extends LatentOptions {
  /** PNG path; default `<run>/probe.png`. */
  readonly out?: string;
}

export interface ProbeSummary extends ProbeResult {
  readonly model: string;
  readonly run: string;
  readonly seconds: number;
  readonly out: string;
}

/** Probes a codec's codes on a labelled split, plus class faithfulness for conditional models. */
export async function probeCodes(model: AutoencoderModel, codec: Codec, split: Split, epoch: number, runtime: RuntimeOptions = nodeRuntime()): Promise<ProbeResult> {
  requireLabels(split.train);
  requireLabels(split.test);
  const report: ProbeReport = await probeAll(split, async (ds) => (await codec.encode(ds.x, ds.n, ds.labels))['z']!, { runtime });
  let faithfulness: ProbeResult['faithfulness'];
  if (model.numClasses > 0) {
    const reader = await MlpReader.fit(split.train, { runtime });
    try {
      const f = await classFaithfulness(codec, reader, model.numClasses);
      faithfulness = { mean: f.mean, per_class: [...f.perClass] };
    } finally {
      await reader.release();
    }
  }
  return { epoch, k: report.k, codes: report.codes, pca: report.pca, pixels: report.pixels, ...(faithfulness && { faithfulness }) };
}

/** The probe kept in a run, if it was computed at the run's current checkpoint epoch. */
export function readProbe(dir: string, epoch: number): ProbeResult | undefined {
  const path = join(dir, PROBE_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = probeResultSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success && parsed.data.epoch === epoch ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeProbe(dir: string, result: ProbeResult): void {
  writeFileAtomic(join(dir, PROBE_FILE), `${JSON.stringify(result, null, 2)}\n`);
}

/** Rows of the accuracy bar chart: codes, PCA and pixels × k-NN and linear. */
export function probeRows(result: ProbeResult, family: string): { representation: string; probe: string; accuracy: number }[] {
  const reps: [string, ProbeResult['codes']][] = [[`${family} codes (k=${result.k})`, result.codes], [`PCA (k=${result.k})`, result.pca], ['raw pixels', result.pixels]];
  return reps.flatMap(([representation, s]) => [{ representation, probe: '5-NN', accuracy: s.knn }, { representation, probe: 'linear', accuracy: s.linear }]);
}

export async function probeRun(opts: ProbeRunOptions): Promise<ProbeSummary> {
  const ctx = await openLatent(opts);
  try {
    if (!ctx.data.train.labels || !ctx.data.test.labels) throw new UsageError(`probe needs labelled data, but ${(ctx.data.train.labels ? ctx.data.test : ctx.data.train).name} has no labels (for CSV, add a "label" column)`);
    const t0 = performance.now();
    const result = await probeCodes(ctx.run.model, ctx.codec, ctx.data, ctx.run.epoch, ctx.runtime);
    const seconds = (performance.now() - t0) / 1000;
    writeProbe(opts.dir, result);
    const { png } = await renderChart(accuracyBarsSpec(probeRows(result, ctx.run.model.family), { title: `${ctx.run.model.family}: test accuracy of probes` }));
    const out = opts.out ?? join(opts.dir, 'probe.png');
    writePng(out, png);
    return { model: ctx.run.model.family, run: opts.dir, ...result, seconds, out };
  } finally {
    await ctx.release();
  }
}
