/**
 * The pictures every training run writes, from its trained codec:
 * - `reconstructions.png`: rows of 8 test samples, each row followed by its reconstructions;
 *   denoising models add the corrupted inputs in between (clean, corrupted, output), so the
 *   cleaning shows;
 * - `samples.png`: 64 decodings of prior draws (prior-codes.ts: the model's prior, or for
 *   families without one a mixture fitted to the training codes); conditional models draw
 *   8 per class, one class per row.
 */
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { Graph } from '../graph/graph.js';
import type { Codec } from '../latent/codec.js';
import type { AutoencoderModel } from '../models/types.js';
import { Builder, fillNoise } from '../nn/builder.js';
import { Rng } from '../nn/rng.js';
import { nodeRuntime } from '../runtime/node.js';
import { Program, type RuntimeOptions, type Tensor } from '../runtime/program.js';
import type { ImageLayout } from '../viz/image-layout.js';
import { writeGrid } from './pictures.js';
import { drawPriorCodes, planPrior } from './prior-codes.js';
import { RECONSTRUCTIONS_FILE, type RunConfig, SAMPLES_FILE } from './run-dir.js';

export { RECONSTRUCTIONS_FILE, SAMPLES_FILE };

/** x̃ of `n` flat rows of x through the model's own corruption, with noise from `rng`. */
export async function corruptInputs(model: AutoencoderModel, x: Float32Array, n: number, rng: Rng, runtime: RuntimeOptions = nodeRuntime()): Promise<Float32Array | undefined> {
  if (!model.corrupted) return undefined;
  const d = x.length / n;
  const g = new Graph();
  const b = new Builder(g, 'eval');
  const xt = model.corrupted(b, g.input('x', ['B', d]));
  const program = await Program.compile(`${model.family}.corrupt`, { xt }, runtime);
  try {
    const feeds: Record<string, Tensor> = { x: program.tensor(x, [n, d]) };
    for (const { spec } of b.noises.values()) {
      const buf = new Float32Array(n * spec.shape.reduce((a, c) => a * c, 1));
      fillNoise(spec, rng, buf, n, null);
      feeds[spec.name] = program.tensor(buf, [n, ...spec.shape]);
    }
    return (await program.run(feeds))['xt']!.data as Float32Array;
  } finally {
    await program.release();
  }
}

/** Interleaves groups of rows of 8: for each row of 8 samples, one row from each source in turn. */
export function interleaveRows(sources: readonly Float32Array[], n: number, d: number, perRow = 8): { images: Float32Array; count: number } {
  const rows = Math.ceil(n / perRow);
  const images = new Float32Array(sources.length * rows * perRow * d);
  for (let r = 0; r < rows; r++) {
    const k = Math.min(perRow, n - r * perRow);
    sources.forEach((src, s) => images.set(src.subarray(r * perRow * d, (r * perRow + k) * d), (r * sources.length + s) * perRow * d));
  }
  return { images, count: sources.length * rows * perRow };
}

export interface RunPicturesInput {
  readonly dir: string;
  readonly config: RunConfig['model'];
  readonly model: AutoencoderModel;
  readonly codec: Codec;
  readonly layout: ImageLayout;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly seed: number;
  readonly runtime?: RuntimeOptions;
}

export async function writeRunPictures(p: RunPicturesInput): Promise<void> {
  const { model, codec, layout, test } = p;
  const n = Math.min(32, test.n);
  const d = layout.channels * layout.height * layout.width;
  const x = test.x.subarray(0, n * d);
  const labels = test.labels?.subarray(0, n);
  const corrupted = await corruptInputs(model, x, n, new Rng(`${p.seed}:pictures`), p.runtime);
  const recon = await codec.reconstruct(corrupted ?? x, n, labels);
  const grid = interleaveRows(corrupted ? [x, corrupted, recon] : [x, recon], n, d);
  writeGrid(join(p.dir, RECONSTRUCTIONS_FILE), grid.images, grid.count, layout, { cols: 8 });

  const classes = model.numClasses;
  const m = classes > 0 ? 8 * classes : 64;
  const sampleLabels = classes > 0 ? Int32Array.from({ length: m }, (_, i) => Math.floor(i / 8)) : undefined;
  const plan = planPrior(p.config, undefined, 1);
  const z = await drawPriorCodes(codec, plan, { n: m, seed: p.seed, temperature: 1, train: () => p.train, labels: sampleLabels });
  writeGrid(join(p.dir, SAMPLES_FILE), await codec.decode(z, m, sampleLabels), m, layout, { cols: 8 });
}
