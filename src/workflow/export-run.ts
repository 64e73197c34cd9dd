/**
 * `exportRun`: writes a trained run as standard ONNX models with the weights (and the model
 * state: batch norm's running statistics, read in inference mode) baked in as initializers,
 * runnable anywhere ONNX Runtime runs (Node, browsers via onnxruntime-web, Python, C#, Java,
 * mobile):
 *   encoder.onnx   x [B, ...inputShape] (, y [B, C] when it reads labels) → every code (z; mu, logVar for VAEs)
 *   decoder.onnx   z [B, latent] (, y [B, C] when it reads labels) → xhat [B, ...inputShape], the decoded mean in [0,1]
 *   model.json     family, shapes, input/output names, opset, the run's config, and `preprocess`:
 *                  the transforms to apply to x before the encoder (binarisation, standardisation
 *                  with its per-feature mean and std; see run-data.ts describePreprocess)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Value } from '../graph/graph.js';
import { emitCodecModels } from '../latent/codec.js';
import { inputsUsedBy, OPSET } from '../onnx/emit.js';
import { writeFileAtomic } from '../persist/atomic.js';
import { loadRun } from './load-run.js';
import { checkOutputDir } from './output-paths.js';
import { describePreprocess, readRunPreprocess } from './run-data.js';
import { VERSION } from './train-run.js';

export interface ExportSummary {
  readonly run: string;
  readonly out: string;
  readonly files: readonly string[];
}

export async function exportRun(dir: string, out = join(dir, 'export')): Promise<ExportSummary> {
  checkOutputDir(out, '--out');
  const run = await loadRun(dir);
  const { model } = run;
  const preprocess = describePreprocess(readRunPreprocess(dir, run.config.data));
  const bake = new Map(run.params.specs.map((s) => [s.name, run.params.get(s.name)]));
  const { encoder, decoder, graphs } = emitCodecModels(model, bake, VERSION);
  mkdirSync(out, { recursive: true });
  const labelInput = (graph: Record<string, Value>) => (inputsUsedBy(graph).includes('y') ? [{ name: 'y', shape: ['B', model.numClasses] }] : []);
  writeFileAtomic(join(out, 'encoder.onnx'), encoder);
  writeFileAtomic(join(out, 'decoder.onnx'), decoder);
  const description = {
    latentkit: VERSION,
    opset: OPSET,
    family: model.family,
    inputShape: model.inputShape,
    latentDim: model.latentDim,
    numClasses: model.numClasses,
    encoder: { file: 'encoder.onnx', inputs: [{ name: 'x', shape: ['B', ...model.inputShape] }, ...labelInput(graphs.encode)], outputs: Object.entries(graphs.encode).map(([name, v]) => ({ name, shape: v.shape })) },
    decoder: { file: 'decoder.onnx', inputs: [{ name: 'z', shape: ['B', model.latentDim] }, ...labelInput(graphs.decode)], outputs: [{ name: 'xhat', shape: graphs.decode['xhat']!.shape }] },
    config: run.config.model,
    preprocess,
    epochs: run.epoch,
  };
  writeFileAtomic(join(out, 'model.json'), `${JSON.stringify(description, null, 2)}\n`);
  return { run: dir, out, files: ['encoder.onnx', 'decoder.onnx', 'model.json'].map((f) => join(out, f)) };
}
