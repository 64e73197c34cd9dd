/**
 * `evalRun`: evaluates a saved run on a dataset's test split: every model term (per-sample
 * means), the active latent units for models with a posterior mean, and optionally the
 * importance-weighted bound −log p(x) ≈ −L_K (IWAE) with K samples.
 */
import { UsageError } from '../errors.js';
import { countActiveUnits } from '../latent/active-units.js';
import { iwaeNll, isImportanceWeighted } from '../latent/likelihood.js';
import { Rng } from '../nn/rng.js';
import { Program, type RuntimeOptions, Tensor } from '../runtime/program.js';
import { averageOverData } from '../train/evaluate.js';
import { buildEvalGraph } from '../train/programs.js';
import { loadRun, openCodec } from './load-run.js';
import { loadRunData } from './run-data.js';

export interface EvalRunOptions extends RuntimeOptions {
  readonly dir: string;
  /** Data spec; default the run's own. */
  readonly data?: string;
  readonly dataDir?: string;
  /** Importance samples for the IWAE bound (omit to skip). */
  readonly iw?: number;
  readonly seed?: number;
  /** Progress of the IWAE pass (the long part), in samples. */
  readonly onProgress?: (samplesDone: number, total: number) => void;
}

export interface EvalSummary {
  readonly model: string;
  readonly run: string;
  readonly data: string;
  readonly samples: number;
  readonly test: Record<string, number>;
}

export async function evalRun(opts: EvalRunOptions): Promise<EvalSummary> {
  const run = loadRun(opts.dir);
  const spec = opts.data ?? run.config.data.spec;
  // The run's split and transforms (standardisation with its stored statistics), on the run's data or on --data.
  const { dataDir: _ownDir, ...settings } = run.config.data;
  const dataDir = opts.dataDir ?? (opts.data ? undefined : run.config.data.dataDir);
  const { test } = loadRunData(opts.dir, { ...settings, spec, ...(dataDir !== undefined && { dataDir }) });
  const { model } = run;
  if (opts.iw !== undefined && !isImportanceWeighted(model)) throw new UsageError(`--iw: model ${model.family} has no importance weights (only VAEs do)`);
  const seed = opts.seed ?? 0;
  const evalGraph = buildEvalGraph(model);
  const program = await Program.compile(`${model.family}.eval`, evalGraph.outputs, opts);
  const schedules: Record<string, Tensor> = {};
  // Scheduled scalars take their final value (e.g. the KL weight after warm-up).
  for (const s of evalGraph.schedules) schedules[s.name] = new Tensor('float32', Float32Array.of(s.value({ step: Number.MAX_SAFE_INTEGER, epoch: run.epoch, stepsPerEpoch: 1, totalSteps: Number.MAX_SAFE_INTEGER })), []);
  try {
    const terms = await averageOverData(
      { program, inputShape: model.inputShape, numClasses: model.numClasses, noises: evalGraph.noises, feeds: { ...run.params.feeds(), ...schedules } },
      test,
      new Rng(`${seed}:eval`),
    );
    const codec = await openCodec(run, opts);
    try {
      if (codec.codeNames.includes('mu')) terms['active_units'] = countActiveUnits((await codec.encode(test.x, test.n, test.labels))['mu']!, test.n, model.latentDim);
    } finally {
      await codec.release();
    }
    if (opts.iw !== undefined && isImportanceWeighted(model)) {
      terms[`iwae_nll_k${opts.iw}`] = await iwaeNll(model, run.params, test, opts.iw, new Rng(`${seed}:iwae`), opts, 500, opts.onProgress);
    }
    return { model: model.family, run: opts.dir, data: spec, samples: test.n, test: terms };
  } finally {
    await program.release();
  }
}
