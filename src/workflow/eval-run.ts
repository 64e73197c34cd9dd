/**
 * `evalRun`: evaluates a saved run on a dataset's test split: every model term (per-sample
 * means), the active latent units for models with a posterior mean, and optionally the
 * importance-weighted bound −log p(x) ≈ −L_K (IWAE) with K samples. On labelled data it adds
 * the probe accuracies of probe-run.ts (codes, PCA, pixels; class faithfulness for
 * conditional models), reusing the run's probe.json when it matches the checkpoint.
 */
import { UsageError } from '../errors.js';
import { countActiveUnits } from '../latent/active-units.js';
import { iwaeNll, isImportanceWeighted } from '../latent/likelihood.js';
import { Rng } from '../nn/rng.js';
import { nodeRuntime, type NodeRuntimeOptions } from '../runtime/node.js';
import { Program, type Tensor } from '../runtime/program.js';
import { averageOverData } from '../train/evaluate.js';
import { buildEvalGraph } from '../train/programs.js';
import { loadRun, openCodec } from './load-run.js';
import { probeCodes, readProbe, type ProbeResult, writeProbe } from './probe-run.js';
import { loadRunData } from './run-data.js';
import { checkSamplesFit } from './sample-fit.js';

export interface EvalRunOptions extends NodeRuntimeOptions {
  readonly dir: string;
  /** Data spec; default the run's own. */
  readonly data?: string;
  readonly dataDir?: string;
  /** Importance samples for the IWAE bound (omit to skip). */
  readonly iw?: number;
  readonly seed?: number;
  /** Probe the codes on labelled data (default true). */
  readonly probe?: boolean;
  /** Progress of the IWAE pass (the long part), in samples. */
  readonly onProgress?: (samplesDone: number, total: number) => void;
}

export interface EvalSummary {
  readonly model: string;
  readonly run: string;
  readonly data: string;
  readonly samples: number;
  readonly test: Record<string, number>;
  /** Probe accuracies (labelled data only). */
  readonly probe?: ProbeResult;
}

/**
 * Largest `--iw` K. The bound costs K decoder passes per test sample and holds a
 * 500 × K float64 buffer of log-weights (40 MB at K = 10,000); Burda et al. (2016) evaluate
 * with K = 5,000.
 */
export const MAX_IW = 10_000;

export async function evalRun(opts: EvalRunOptions): Promise<EvalSummary> {
  if (opts.iw !== undefined && !(Number.isInteger(opts.iw) && opts.iw >= 1 && opts.iw <= MAX_IW)) throw new UsageError(`--iw must be an integer in [1, ${MAX_IW}] (got ${opts.iw})`);
  const runtime = nodeRuntime(opts);
  const run = await loadRun(opts.dir, runtime.backend);
  const spec = opts.data ?? run.config.data.spec;
  // The run's split and transforms (standardisation with its stored statistics), on the run's data or on --data.
  const { dataDir: _ownDir, ...settings } = run.config.data;
  const dataDir = opts.dataDir ?? (opts.data ? undefined : run.config.data.dataDir);
  const split = loadRunData(opts.dir, { ...settings, spec, ...(dataDir !== undefined && { dataDir }) });
  const { test } = split;
  const { model } = run;
  checkSamplesFit(model, test, 'eval', spec);
  if (opts.iw !== undefined && !isImportanceWeighted(model)) throw new UsageError(`--iw: model ${model.family} has no importance weights (only VAEs do)`);
  const seed = opts.seed ?? 0;
  const evalGraph = buildEvalGraph(model);
  const program = await Program.compile(`${model.family}.eval`, evalGraph.outputs, runtime);
  const schedules: Record<string, Tensor> = {};
  // Scheduled scalars take their final value (e.g. the KL weight after warm-up).
  for (const s of evalGraph.schedules) schedules[s.name] = program.tensor(Float32Array.of(s.value({ step: Number.MAX_SAFE_INTEGER, epoch: run.epoch, stepsPerEpoch: 1, totalSteps: Number.MAX_SAFE_INTEGER })), []);
  try {
    const terms = await averageOverData(
      { program, inputShape: model.inputShape, numClasses: model.numClasses, noises: evalGraph.noises, feeds: { ...run.params.feeds(), ...schedules } },
      test,
      new Rng(`${seed}:eval`),
    );
    const codec = await openCodec(run, runtime);
    let probe: ProbeResult | undefined;
    try {
      if (codec.codeNames.includes('mu')) terms['active_units'] = countActiveUnits((await codec.encode(test.x, test.n, test.labels))['mu']!, test.n, model.latentDim);
      if (opts.probe !== false && split.train.labels && test.labels) {
        const ownData = opts.data === undefined && opts.dataDir === undefined;
        probe = (ownData ? readProbe(opts.dir, run.epoch) : undefined) ?? (await probeCodes(model, codec, split, run.epoch, runtime));
        if (ownData) writeProbe(opts.dir, probe);
      }
    } finally {
      await codec.release();
    }
    if (opts.iw !== undefined && isImportanceWeighted(model)) {
      terms[`iwae_nll_k${opts.iw}`] = await iwaeNll(model, run.params, test, opts.iw, new Rng(`${seed}:iwae`), runtime, 500, opts.onProgress);
    }
    return { model: model.family, run: opts.dir, data: spec, samples: test.n, test: terms, ...(probe && { probe }) };
  } finally {
    await program.release();
  }
}
