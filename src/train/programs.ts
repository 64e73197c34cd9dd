/**
 * Builds a model's graphs and compiles them into programs that share one state store:
 *   phase step  x, y?, noise, sched, state → phase terms, next:(phase params, phase model state, phase optimizer state)
 *               (forward, loss, backward, update: one ORT call per phase per batch)
 *   eval        x, y?, noise, sched, params, model state → every term
 * The state store holds the parameters, the model state (e.g. batch norm's running
 * statistics, see `StateSpec`) and the optimizer state of every phase.
 */
import { grad } from '../autodiff/grad.js';
import { Graph, type Value } from '../graph/graph.js';
import type { TrainableModel, Batch, PhaseSpec } from '../models/types.js';
import { Builder, type NoiseSpec, type ParamSpec, type ScheduleSpec, type StateSpec } from '../nn/builder.js';
import { lrInputName, Optimizer, type OptimizerConfig, type StateSlot } from '../optim/optimizer.js';
import { type BufferSpec, nextName } from '../runtime/buffers.js';
import { nchwcProbeBytes } from '../onnx/emit.js';
import type { RuntimeBackend } from '../runtime/backend.js';
import { Program, type RuntimeOptions } from '../runtime/program.js';

/** Declares the batch inputs of a model: x [B, ...inputShape] and, if conditional, one-hot y [B, C]. */
export function batchInputs(g: Graph, model: TrainableModel, suffix = ''): Batch {
  const x = g.input(`x${suffix}`, ['B', ...model.inputShape]);
  return model.numClasses > 0 ? { x, y: g.input(`y${suffix}`, ['B', model.numClasses]) } : { x };
}

/** The model's phases, or the single default phase over all parameters. */
export function phasesOf(model: TrainableModel): readonly PhaseSpec[] {
  return model.phases ?? [{ name: 'main', loss: 'loss', groups: [], terms: model.trainTerms }];
}

/** Optimizer I/O prefix of a phase: `optim` for single-phase models, `optim.<phase>` otherwise. */
function optimizerPrefix(model: TrainableModel, phase: PhaseSpec): string {
  return model.phases ? `optim.${phase.name}` : 'optim';
}

export interface StepGraph {
  readonly phase: PhaseSpec;
  /** Training steps this graph performs in one run (an unrolled chain when > 1). */
  readonly steps: number;
  readonly outputs: Record<string, Value>;
  /** Every parameter the model declares (updated or not). */
  readonly params: readonly ParamSpec[];
  /** Noise inputs of every step (names carry `stepSuffix(i)` when steps > 1). */
  readonly noises: readonly NoiseSpec[];
  readonly schedules: readonly ScheduleSpec[];
  /** Every model state the model declares (updated by this phase or only read). */
  readonly states: readonly StateSpec[];
  readonly optimizerState: readonly StateSlot[];
  /** State tensors this phase rewrites (its parameters, its model state and its optimizer state). */
  readonly updates: readonly string[];
  /** The learning-rate input of each step. */
  readonly lrInputs: readonly string[];
  /** Nodes in the graph (all steps), a proxy for its compile time and memory. */
  readonly nodeCount: number;
}

/** Suffix of step i's per-step inputs and terms in a multi-step graph ('' for a single step). */
export const stepSuffix = (i: number, steps: number): string => (steps === 1 ? '' : `@${i}`);

/**
 * One phase of training as one graph: terms, gradients of the phase loss and its update,
 * repeated `steps` times in a chain (step i+1 reads step i's updated parameters and
 * optimizer state inside the graph). A chain does the arithmetic of `steps` separate
 * steps but crosses the JS ↔ ONNX Runtime boundary once, which saves the copy of the
 * whole state into fresh JS buffers that onnxruntime-node makes for every output.
 *
 * Model state (see `StateSpec`) belongs to the phase whose groups hold the scope that declared
 * it (every state, for a phase over all groups): that phase outputs its next value and swaps it;
 * other phases only read it, so a state shared by several phases (a VAE-GAN discriminator's
 * batch statistics) still moves once per batch. Inside a chain, step i+1 reads step i's next value.
 */
export function buildStepGraph(model: TrainableModel, optimizer: OptimizerConfig, phase: PhaseSpec = phasesOf(model)[0]!, steps = 1): StepGraph {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps per run must be a positive integer (got ${steps})`);
  const g = new Graph();
  const prefix = optimizerPrefix(model, phase);
  const opt = new Optimizer({ ...optimizer, ...phase.optimizer }, prefix);
  const outputs: Record<string, Value> = {};
  const noises: NoiseSpec[] = [];
  const schedules: ScheduleSpec[] = [];
  const lrInputs: string[] = [];
  let params: Map<string, Value> | undefined;
  let state: ReadonlyMap<string, Value> | undefined;
  let modelState: Map<string, Value> | undefined;
  let declared: ParamSpec[] = [];
  let trainedSpecs: ParamSpec[] = [];
  let stateSpecs: StateSpec[] = [];
  let ownedStates: string[] = [];
  for (let i = 0; i < steps; i++) {
    const suffix = stepSuffix(i, steps);
    const b = Builder.forStep(g, { suffix, ...(params && { params }), ...(modelState && { states: modelState }) });
    const terms = model.terms(b, batchInputs(g, model, suffix));
    const loss = terms[phase.loss];
    if (!loss) throw new Error(`model ${model.family}: phase ${phase.name} minimises unknown term ${phase.loss}`);
    const all = b.paramValues();
    const trained = phase.groups.length === 0 ? all : all.filter((p) => phase.groups.includes(p.spec.group));
    const grads = grad(
      loss,
      trained.map((p) => p.value),
    );
    const lrName = `${lrInputName(prefix)}${suffix}`;
    lrInputs.push(lrName);
    const update = opt.update(
      g,
      trained.map((p, k) => ({ name: p.spec.name, shape: p.spec.shape, value: p.value, grad: grads[k]! })),
      i === 0 && steps === 1 ? undefined : { lr: g.input(lrName, []), ...(state && { state }) },
    );
    for (const t of phase.terms) {
      const v = terms[t];
      if (!v) throw new Error(`model ${model.family}: phase ${phase.name} reports unknown term ${t}`);
      outputs[`${t}${suffix}`] = v;
    }
    params = new Map([...all.map((p) => [p.spec.name, p.value] as const), ...update.params]);
    state = update.state;
    const st = [...b.states.values()];
    const owned = st.filter((s) => s.next && (phase.groups.length === 0 || phase.groups.includes(s.spec.group)));
    modelState = new Map(st.map((s) => [s.spec.name, s.value]));
    for (const s of owned) modelState.set(s.spec.name, s.next!);
    stateSpecs = st.map((s) => s.spec);
    ownedStates = owned.map((s) => s.spec.name);
    noises.push(...[...b.noises.values()].map((n) => n.spec));
    schedules.push(...[...b.schedules.values()].map((sc) => sc.spec));
    declared = all.map((p) => p.spec);
    trainedSpecs = trained.map((p) => p.spec);
  }
  const updates = [...trainedSpecs.map((p) => p.name), ...ownedStates, ...state!.keys()];
  for (const name of updates) outputs[nextName(name)] = (params!.get(name) ?? modelState!.get(name) ?? state!.get(name))!;
  return {
    phase,
    steps,
    outputs,
    params: declared,
    noises,
    schedules,
    states: stateSpecs,
    optimizerState: opt.stateSlots(trainedSpecs),
    updates,
    lrInputs,
    nodeCount: g.nodes.length,
  };
}

/**
 * Chains are only built for step graphs up to this many nodes: a chain of K copies of a
 * large graph (e.g. a CAE's Jacobian by one VJP per code unit) compiles slowly and the
 * per-call overhead it saves is negligible next to such a step.
 */
export const MAX_CHAINED_STEP_NODES = 2000;

export interface EvalGraph {
  readonly outputs: Record<string, Value>;
  readonly noises: readonly NoiseSpec[];
  readonly schedules: readonly ScheduleSpec[];
  readonly params: readonly ParamSpec[];
  /** Model state the eval graph reads (e.g. batch norm's running statistics, in place of batch statistics). */
  readonly states: readonly StateSpec[];
}

/** Every term of the model on one batch, without any update. */
export function buildEvalGraph(model: TrainableModel): EvalGraph {
  const g = new Graph();
  const b = new Builder(g, 'eval');
  const terms = model.terms(b, batchInputs(g, model));
  return {
    outputs: { ...terms },
    noises: [...b.noises.values()].map((n) => n.spec),
    schedules: [...b.schedules.values()].map((s) => s.spec),
    params: b.paramValues().map((p) => p.spec),
    states: [...b.states.values()].map((s) => s.spec),
  };
}

export interface CompiledStep {
  readonly graph: StepGraph;
  readonly program: Program;
}

export interface CompiledTraining {
  /** One single-step program per phase, run in order on every batch. */
  readonly phases: readonly CompiledStep[];
  /** For single-phase models: a chain of `steps` full-batch steps in one program (see buildStepGraph). */
  readonly chain?: CompiledStep;
  readonly eval: Program;
  readonly evalGraph: EvalGraph;
  readonly params: readonly ParamSpec[];
  /** Model state of every graph (initialised after the parameters; see `StateSpec`). */
  readonly states: readonly StateSpec[];
  /** Noise inputs of all phases' single steps (drawn once per batch, shared by the phases). */
  readonly noises: readonly NoiseSpec[];
  /** Scheduled scalars of every program. */
  readonly schedules: readonly ScheduleSpec[];
  /** Everything the state store holds: parameters first, then model state, then optimizer state. */
  readonly stateSpecs: readonly BufferSpec[];
}

function uniqueByName<T extends { name: string }>(xs: readonly T[]): T[] {
  return [...new Map(xs.map((x) => [x.name, x])).values()];
}

const nchwcBlocks = new WeakMap<RuntimeBackend, Promise<number>>();

/**
 * The block size of ONNX Runtime's NCHWc conv kernels on this back end (8 with AVX2, 16 with
 * AVX-512), found once per back end by running the probe of onnx/nchwc.ts; 0 where the back end
 * has no such kernels (onnxruntime-web) or the CPU none (block < 8). Programs compiled with it
 * run their eligible Convs on those kernels (EmitOptions.nchwcBlock).
 */
export function nchwcBlockSize(backend: RuntimeBackend): Promise<number> {
  let block = nchwcBlocks.get(backend);
  if (!block) {
    block = (async () => {
      try {
        const session = await backend.createSession(nchwcProbeBytes(), { threads: 1, spin: false });
        try {
          const b = (await session.run({ x: backend.float32(new Float32Array(4), [1, 4, 1, 1]) }))['y']?.dims[1] ?? 0;
          return b >= 8 ? b : 0;
        } finally {
          await session.release();
        }
      } catch {
        return 0;
      }
    })();
    nchwcBlocks.set(backend, block);
  }
  return block;
}

/**
 * Compiles a model's programs. `stepsPerRun` > 1 adds a chained program for single-phase
 * models (multi-phase models alternate optimizers within a batch and always run step by step).
 */
export async function compileTraining(model: TrainableModel, optimizer: OptimizerConfig, runtimeOptions: RuntimeOptions, stepsPerRun = 1): Promise<CompiledTraining> {
  const phases = phasesOf(model);
  const graphs = phases.map((p) => buildStepGraph(model, optimizer, p));
  const chainGraph =
    phases.length === 1 && stepsPerRun > 1 && graphs[0]!.nodeCount <= MAX_CHAINED_STEP_NODES ? buildStepGraph(model, optimizer, phases[0], stepsPerRun) : undefined;
  const evalGraph = buildEvalGraph(model);
  // ORT CPU kernel choices made at emission (onnx/conv-as-transposed.ts, onnx/nchwc.ts).
  const runtime = { ...runtimeOptions, convAsTransposed: true, nchwcBlock: await nchwcBlockSize(runtimeOptions.backend) };
  const [evalProgram, chainProgram, ...programs] = await Promise.all([
    Program.compile(`${model.family}.eval`, evalGraph.outputs, runtime),
    chainGraph ? Program.compile(`${model.family}.chain${stepsPerRun}`, chainGraph.outputs, runtime) : undefined,
    ...graphs.map((sg) => Program.compile(`${model.family}.${sg.phase.name}`, sg.outputs, runtime)),
  ]);
  const params = evalGraph.params.length >= graphs[0]!.params.length ? evalGraph.params : graphs[0]!.params;
  const states = uniqueByName([...evalGraph.states, ...graphs.flatMap((sg) => sg.states)]);
  return {
    phases: graphs.map((graph, i) => ({ graph, program: programs[i]! })),
    ...(chainGraph && chainProgram && { chain: { graph: chainGraph, program: chainProgram } }),
    eval: evalProgram!,
    evalGraph,
    params,
    states,
    noises: uniqueByName(graphs.flatMap((sg) => sg.noises)),
    schedules: uniqueByName([...graphs.flatMap((sg) => sg.schedules), ...(chainGraph?.schedules ?? []), ...evalGraph.schedules]),
    stateSpecs: [...params.map((p) => ({ name: p.name, shape: p.shape })), ...states.map((s) => ({ name: s.name, shape: s.shape })), ...graphs.flatMap((sg) => sg.optimizerState)],
  };
}
